package runbook

import (
	"html/template"
	"strings"
)

// The tables of a large runbook have a row per step (thousands), where html/template's per-action
// reflection was most of the rendering time. Their rows are written here instead, escaped exactly
// as html/template escapes text and quoted attribute values (htmlEsc), so the output is the same
// bytes; the rest of the page stays in the template.

// htmlEsc appends s as html/template's HTML escaper writes it in text and in a quoted attribute:
// NUL, ", &, ', +, < and > are replaced; everything else, invalid UTF-8 included, is kept.
func htmlEsc(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var repl string
		switch s[i] {
		case 0:
			repl = "\uFFFD"
		case '"':
			repl = "&#34;"
		case '&':
			repl = "&amp;"
		case '\'':
			repl = "&#39;"
		case '+':
			repl = "&#43;"
		case '<':
			repl = "&lt;"
		case '>':
			repl = "&gt;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(repl)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// cell writes <td>s</td> (open and s escaped).
func cell(b *strings.Builder, open, s string) {
	b.WriteString(open)
	htmlEsc(b, s)
	b.WriteString("</td>")
}

// box writes a status checkbox: <span class="box CLASS">MARK</span>.
func box(b *strings.Builder, s statusView) {
	b.WriteString(`<span class="box `)
	htmlEsc(b, s.Class())
	b.WriteString(`">`)
	htmlEsc(b, statusMark(s))
	b.WriteString(`</span>`)
}

// account writes the account ID and, when known, its name.
func account(b *strings.Builder, id, name string) {
	htmlEsc(b, id)
	if name != "" {
		b.WriteByte(' ')
		htmlEsc(b, name)
	}
}

// groupRows writes the rows of a group's table, each on a line of its own.
func groupRows(g *groupView) template.HTML {
	var b strings.Builder
	c, st := g.Cols, g.Counts != nil
	for _, r := range g.Rows {
		b.WriteString("\n<tr><td class=\"box-cell\">")
		box(&b, r.Status)
		b.WriteString(`</td>`)
		cell(&b, `<td class="num-cell">`, r.Num)
		b.WriteString("<td><code>")
		htmlEsc(&b, r.ID)
		b.WriteString("</code></td>")
		if c.What {
			cell(&b, "<td>", r.What)
		}
		if c.Account {
			b.WriteString("<td>")
			account(&b, r.Account, r.AccountName)
			b.WriteString("</td>")
		}
		if c.Email {
			cell(&b, "<td>", r.Email)
		}
		if c.Region {
			cell(&b, "<td>", r.Region)
		}
		if c.OU {
			cell(&b, "<td>", r.OU)
		}
		if c.Resource {
			cell(&b, "<td>", r.Resource)
		}
		if c.After {
			cell(&b, "<td>", r.After)
		}
		if c.Blocked {
			cell(&b, `<td class="err">`, r.Blocked)
		}
		if st {
			b.WriteString(`<td><span class="status `)
			htmlEsc(&b, r.Status.Class())
			b.WriteString(`">`)
			htmlEsc(&b, r.Status.Text)
			b.WriteString("</span>")
			if r.Status.Error != "" {
				b.WriteString(`<br><span class="err">`)
				htmlEsc(&b, r.Status.Error)
				b.WriteString("</span>")
			}
			b.WriteString("</td>")
		}
		b.WriteString("</tr>")
	}
	return template.HTML(b.String())
}

// AnyAfter reports whether a row of the pivot has dependencies of its own (the table then has
// that column).
func (p *pivotView) AnyAfter() bool {
	for _, r := range p.Rows {
		if r.After != "" {
			return true
		}
	}
	return false
}

// AnyBlocked reports whether a row of the pivot is blocked.
func (p *pivotView) AnyBlocked() bool {
	for _, r := range p.Rows {
		if r.Blocked != "" {
			return true
		}
	}
	return false
}

// pivotRows writes the rows of a pivot table: an account, then a cell per region.
func pivotRows(p *pivotView) template.HTML {
	var b strings.Builder
	after, blocked := p.AnyAfter(), p.AnyBlocked()
	for _, r := range p.Rows {
		b.WriteString("\n<tr><td>")
		account(&b, r.Account, r.AccountName)
		b.WriteString("</td>")
		for _, c := range r.Cells {
			b.WriteString("<td>")
			if c.Num != "" {
				box(&b, c.Status)
				htmlEsc(&b, c.Num)
			} else {
				b.WriteString("–")
			}
			b.WriteString("</td>")
		}
		if after {
			cell(&b, "<td>", r.After)
		}
		if blocked {
			cell(&b, `<td class="err">`, r.Blocked)
		}
		b.WriteString("</tr>")
	}
	return template.HTML(b.String())
}

// AnyBlocked reports whether an account of the queue is blocked.
func (q *queueView) AnyBlocked() bool {
	for _, r := range q.Rows {
		if r.Blocked != "" {
			return true
		}
	}
	return false
}

// queueRows writes the enrollment queue's rows: one per account, and the ends of working sessions.
func queueRows(q *queueView) template.HTML {
	var b strings.Builder
	blocked := q.AnyBlocked()
	for _, r := range q.Rows {
		if r.SessionEnd != "" {
			b.WriteString("\n<tr class=\"session-end\"><td colspan=\"9\"><strong>")
			htmlEsc(&b, r.SessionEnd)
			b.WriteString("</strong></td></tr>")
			continue
		}
		b.WriteString("\n<tr id=\"")
		htmlEsc(&b, r.EnrollID)
		b.WriteString("\"><td class=\"box-cell\">")
		box(&b, r.Status)
		b.WriteString("</td>")
		cell(&b, `<td class="num-cell">`, r.Pos)
		b.WriteString("<td>")
		account(&b, r.Account, r.AccountName)
		b.WriteString("</td>")
		cell(&b, "<td>", r.Into)
		cell(&b, "<td>", r.Prepare)
		cell(&b, "<td>", r.Enroll)
		if q.Email {
			cell(&b, "<td>", r.Email)
		}
		if blocked {
			cell(&b, `<td class="err">`, r.Blocked)
		}
		if q.Known {
			b.WriteString(`<td><span class="status `)
			htmlEsc(&b, r.Status.Class())
			b.WriteString(`">`)
			htmlEsc(&b, r.Status.Text)
			b.WriteString("</span></td>")
		}
		b.WriteString("</tr>")
	}
	return template.HTML(b.String())
}
