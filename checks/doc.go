package checks

import (
	"fmt"
	"io"
	"strings"
)

// Markers around the generated part of docs/checks.md.
const (
	CatalogueBegin = "<!-- BEGIN CATALOGUE: generated from checks.Catalogue(); refresh with go test ./checks -run TestDocsCatalogue -update -->"
	CatalogueEnd   = "<!-- END CATALOGUE -->"
)

// WriteCatalogue renders the catalogue as Markdown: a summary table, then one section per check.
// docs/checks.md embeds it between CatalogueBegin and CatalogueEnd, and a test keeps them equal.
func WriteCatalogue(w io.Writer) error {
	var b strings.Builder
	cat := Catalogue()
	fmt.Fprintf(&b, "%d checks, in phase order.\n\n", len(cat))
	b.WriteString("| ID | Severity | Phase | Title |\n|---|---|---|---|\n")
	for _, c := range cat {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s | %s |\n", c.ID, anchor(c.ID), c.Severity, c.Phase, c.Title)
	}
	for _, c := range cat {
		fmt.Fprintf(&b, "\n### %s\n\n", c.ID)
		fmt.Fprintf(&b, "**%s** — severity up to *%s*, blocks phase *%s*.\n\n", c.Title, c.Severity, c.Phase)
		fmt.Fprintf(&b, "- Reads: %s\n", c.Reads)
		fmt.Fprintf(&b, "- Why: %s\n", c.Why)
		fmt.Fprintf(&b, "- Source: <%s>\n", c.Source)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// anchor is the GitHub heading anchor of a check ID ("scp.deny-ct-roles" -> "scpdeny-ct-roles").
func anchor(id string) string {
	return strings.ReplaceAll(strings.ToLower(id), ".", "")
}
