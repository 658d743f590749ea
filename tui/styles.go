package tui

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Styles are the wizard's lipgloss styles. Meaning never rests on colour alone: severities carry
// their word ("BLOCKER"), the selected row a "▸" marker and reverse video, so the wizard reads the
// same with NO_COLOR (the renderer drops colours, keeps the text and attributes).
type Styles struct {
	App, Title, Subtitle, Header, Muted, Bold lipgloss.Style
	Selected, Focus, Key, Error, OK, Warn     lipgloss.Style
	Blocker, Warning, Info                    lipgloss.Style
	BlockerBanner, OKBanner                   lipgloss.Style
	Box, Footer, Tab, TabActive, Label        lipgloss.Style
}

// palette colours work on dark and light backgrounds alike (mid-tone), so no background query is needed.
var (
	colAccent color.Color = lipgloss.Color("#7D56F4")
	colRed    color.Color = lipgloss.Color("#E0354B")
	colYellow color.Color = lipgloss.Color("#D79921")
	colGreen  color.Color = lipgloss.Color("#2E9E5B")
	colBlue   color.Color = lipgloss.Color("#3B82F6")
	colGrey   color.Color = lipgloss.Color("#8A8A8A")
	colWhite  color.Color = lipgloss.Color("#FFFFFF")
)

// DefaultStyles returns the wizard's styles.
func DefaultStyles() *Styles {
	s := &Styles{}
	s.App = lipgloss.NewStyle().Padding(0, 1)
	s.Title = lipgloss.NewStyle().Bold(true).Foreground(colWhite).Background(colAccent).Padding(0, 1)
	s.Subtitle = lipgloss.NewStyle().Foreground(colGrey)
	s.Header = lipgloss.NewStyle().Bold(true)
	s.Muted = lipgloss.NewStyle().Foreground(colGrey)
	s.Bold = lipgloss.NewStyle().Bold(true)
	s.Selected = lipgloss.NewStyle().Reverse(true)
	s.Focus = lipgloss.NewStyle().Bold(true).Foreground(colAccent)
	s.Key = lipgloss.NewStyle().Bold(true)
	s.Error = lipgloss.NewStyle().Bold(true).Foreground(colRed)
	s.OK = lipgloss.NewStyle().Foreground(colGreen)
	s.Warn = lipgloss.NewStyle().Foreground(colYellow)
	s.Blocker = lipgloss.NewStyle().Bold(true).Foreground(colRed)
	s.Warning = lipgloss.NewStyle().Bold(true).Foreground(colYellow)
	s.Info = lipgloss.NewStyle().Foreground(colBlue)
	s.BlockerBanner = lipgloss.NewStyle().Bold(true).Reverse(true).Foreground(colRed).Padding(0, 1)
	s.OKBanner = lipgloss.NewStyle().Bold(true).Foreground(colGreen)
	s.Box = lipgloss.NewStyle().Border(lipgloss.NormalBorder()).BorderForeground(colGrey).Padding(0, 1)
	s.Footer = lipgloss.NewStyle().Foreground(colGrey)
	s.Tab = lipgloss.NewStyle().Padding(0, 1)
	s.TabActive = lipgloss.NewStyle().Padding(0, 1).Bold(true).Underline(true).Foreground(colAccent)
	s.Label = lipgloss.NewStyle().Bold(true).Width(14)
	return s
}

// Severity renders a severity as a fixed-width tag that reads without colour.
func (s *Styles) Severity(sev string) string {
	switch sev {
	case SeverityBlocker:
		return s.Blocker.Render("BLOCKER")
	case SeverityWarning:
		return s.Warning.Render("WARNING")
	default:
		return s.Info.Render("INFO   ")
	}
}
