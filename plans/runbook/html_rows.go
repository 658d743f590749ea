package runbook

import (
	"bufio"
)

// The tables of a large runbook have a row per step (thousands), and a thousand steps are shown
// in full, where html/template's reflection per action was most of the rendering time. Those rows
// and steps are written here instead, escaped exactly as html/template escapes text and quoted
// attribute values (htmlEsc), so the output is the same bytes (html_rows_test.go holds them to
// the templates they replaced); the rest of the page stays in the template. They write straight
// to the writer the template writes to (the page's Out), not into a string the template copies.

// htmlEsc appends s as html/template's HTML escaper writes it in text and in a quoted attribute:
// NUL, ", &, ', +, < and > are replaced; everything else, invalid UTF-8 included, is kept.
func htmlEsc(b *bufio.Writer, s string) {
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
func cell(b *bufio.Writer, open, s string) {
	b.WriteString(open)
	htmlEsc(b, s)
	b.WriteString("</td>")
}

// box writes a status checkbox: <span class="box CLASS">MARK</span>.
func box(b *bufio.Writer, s statusView) {
	b.WriteString(`<span class="box `)
	htmlEsc(b, s.Class())
	b.WriteString(`">`)
	htmlEsc(b, statusMark(s))
	b.WriteString(`</span>`)
}

// account writes the account ID and, when known, its name.
func account(b *bufio.Writer, id, name string) {
	htmlEsc(b, id)
	if name != "" {
		b.WriteByte(' ')
		htmlEsc(b, name)
	}
}

// groupRows writes the rows of a group's table, each on a line of its own.
func groupRows(b *bufio.Writer, g *groupView) {
	c, st := g.Cols, g.Counts != nil
	for _, r := range g.Rows {
		b.WriteString("\n<tr><td class=\"box-cell\">")
		box(b, r.Status)
		b.WriteString(`</td>`)
		cell(b, `<td class="num-cell">`, r.Num)
		b.WriteString("<td><code>")
		htmlEsc(b, r.ID)
		b.WriteString("</code></td>")
		if c.What {
			cell(b, "<td>", r.What)
		}
		if c.Account {
			b.WriteString("<td>")
			account(b, r.Account, r.AccountName)
			b.WriteString("</td>")
		}
		if c.Email {
			cell(b, "<td>", r.Email)
		}
		if c.Region {
			cell(b, "<td>", r.Region)
		}
		if c.OU {
			cell(b, "<td>", r.OU)
		}
		if c.Resource {
			cell(b, "<td>", r.Resource)
		}
		if c.After {
			cell(b, "<td>", r.After)
		}
		if c.Blocked {
			cell(b, `<td class="err">`, r.Blocked)
		}
		if st {
			b.WriteString(`<td><span class="status `)
			htmlEsc(b, r.Status.Class())
			b.WriteString(`">`)
			htmlEsc(b, r.Status.Text)
			b.WriteString("</span>")
			if r.Status.Error != "" {
				b.WriteString(`<br><span class="err">`)
				htmlEsc(b, r.Status.Error)
				b.WriteString("</span>")
			}
			b.WriteString("</td>")
		}
		b.WriteString("</tr>")
	}
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
func pivotRows(b *bufio.Writer, p *pivotView) {
	after, blocked := p.AnyAfter(), p.AnyBlocked()
	for _, r := range p.Rows {
		b.WriteString("\n<tr><td>")
		account(b, r.Account, r.AccountName)
		b.WriteString("</td>")
		for _, c := range r.Cells {
			b.WriteString("<td>")
			if c.Num != "" {
				box(b, c.Status)
				htmlEsc(b, c.Num)
			} else {
				b.WriteString("–")
			}
			b.WriteString("</td>")
		}
		if after {
			cell(b, "<td>", r.After)
		}
		if blocked {
			cell(b, `<td class="err">`, r.Blocked)
		}
		b.WriteString("</tr>")
	}
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
func queueRows(b *bufio.Writer, q *queueView) {
	blocked := q.AnyBlocked()
	for _, r := range q.Rows {
		if r.SessionEnd != "" {
			b.WriteString("\n<tr class=\"session-end\"><td colspan=\"9\"><strong>")
			htmlEsc(b, r.SessionEnd)
			b.WriteString("</strong></td></tr>")
			continue
		}
		b.WriteString("\n<tr id=\"")
		htmlEsc(b, r.EnrollID)
		b.WriteString("\"><td class=\"box-cell\">")
		box(b, r.Status)
		b.WriteString("</td>")
		cell(b, `<td class="num-cell">`, r.Pos)
		b.WriteString("<td>")
		account(b, r.Account, r.AccountName)
		b.WriteString("</td>")
		cell(b, "<td>", r.Into)
		cell(b, "<td>", r.Prepare)
		cell(b, "<td>", r.Enroll)
		if q.Email {
			cell(b, "<td>", r.Email)
		}
		if blocked {
			cell(b, `<td class="err">`, r.Blocked)
		}
		if q.Known {
			b.WriteString(`<td><span class="status `)
			htmlEsc(b, r.Status.Class())
			b.WriteString(`">`)
			htmlEsc(b, r.Status.Text)
			b.WriteString("</span></td>")
		}
		b.WriteString("</tr>")
	}
}

// stepHTML writes a step shown in full (a thousand of them in a large runbook).
func stepHTML(b *bufio.Writer, s *stepView) {
	b.WriteString("\n<div class=\"step")
	if s.Destructive {
		b.WriteString(" destructive")
	}
	b.WriteString("\" id=\"")
	htmlEsc(b, s.ID)
	b.WriteString("\">\n<h4>")
	box(b, s.Status)
	b.WriteString(`<span class="num">`)
	htmlEsc(b, s.Num)
	b.WriteString("</span>")
	htmlEsc(b, s.Title)
	b.WriteString("</h4>\n<div><span class=\"id\">")
	htmlEsc(b, s.ID)
	b.WriteString("</span>")
	if s.Phase != "" {
		b.WriteString(`<span class="tag">`)
		htmlEsc(b, s.Phase)
		b.WriteString("</span>")
	}
	if s.Destructive {
		b.WriteString(`<span class="tag destructive">DESTRUCTIVE</span>`)
	}
	if s.Manual {
		b.WriteString(`<span class="tag manual">MANUAL</span>`)
	}
	if s.Blocked != "" {
		b.WriteString(`<span class="tag blocked">BLOCKED</span>`)
	}
	if s.Status.Known {
		b.WriteString(` <span class="status `)
		htmlEsc(b, s.Status.Class())
		b.WriteString(`">`)
		htmlEsc(b, s.Status.Text)
		b.WriteString("</span>")
	}
	b.WriteString("</div>")
	if s.Status.Error != "" {
		b.WriteString("\n<p class=\"err\">Error: <code>")
		htmlEsc(b, s.Status.Error)
		b.WriteString("</code></p>")
	}
	if s.Blocked != "" {
		b.WriteString("\n<p class=\"blocked\"><strong>Blocked:</strong> ")
		htmlEsc(b, s.Blocked)
		b.WriteString("</p>")
	}
	b.WriteString("\n<dl>")
	dd(b, "Why", s.Why)
	dd(b, "Target", s.Target)
	codes(b, "After", ", ", s.DependsOn)
	dd(b, "Guard", s.Guard)
	if len(s.Instructions) > 0 {
		b.WriteString("<dt>To do</dt><dd><ol>")
		for _, i := range s.Instructions {
			b.WriteString("<li>")
			htmlEsc(b, i)
			b.WriteString("</li>")
		}
		b.WriteString("</ol></dd>")
	}
	dd(b, "Verified by", s.Verified)
	codes(b, "From earlier steps", "<br>", s.Inputs)
	b.WriteString("\n</dl>")
	if len(s.CLI) > 0 {
		b.WriteString("\n<pre>")
		for i, c := range s.CLI {
			if i > 0 {
				b.WriteByte('\n')
			}
			htmlEsc(b, c)
		}
		b.WriteString("</pre>")
	}
	b.WriteString("\n<dl>")
	dd(b, "Expected", s.Expected)
	dd(b, "Rollback", s.Rollback)
	b.WriteString("\n</dl>\n</div>")
}

// dd writes <dt>term</dt><dd>s</dd> when s is not empty.
func dd(b *bufio.Writer, term, s string) {
	if s == "" {
		return
	}
	b.WriteString("<dt>")
	b.WriteString(term)
	b.WriteString("</dt><dd>")
	htmlEsc(b, s)
	b.WriteString("</dd>")
}

// codes writes <dt>term</dt><dd> and each item as <code>, sep between them, when there are any.
func codes(b *bufio.Writer, term, sep string, items []string) {
	if len(items) == 0 {
		return
	}
	b.WriteString("<dt>")
	b.WriteString(term)
	b.WriteString("</dt><dd>")
	for i, s := range items {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString("<code>")
		htmlEsc(b, s)
		b.WriteString("</code>")
	}
	b.WriteString("</dd>")
}
