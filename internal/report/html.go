package report

import (
	"html/template"
	"io"
	"strings"

	"github.com/dietimg/diet/internal/analyze"
	"github.com/dietimg/diet/internal/image"
)

// maxListing bounds the files listed per variant on the HTML page.
const maxListing = 20000

var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"mb":      MBString,
	"human":   image.HumanSize,
	"percent": Percent,
	"runs":    runText,
	"limit": func(fs []analyze.File) []analyze.File {
		return fs[:min(len(fs), maxListing)]
	},
	"more": func(fs []analyze.File) int { return max(0, len(fs)-maxListing) },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>diet compare: {{.C.Source}}</title>
<style>
body { font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { padding: .3em .8em; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.diet td { font-weight: bold; background: #fdece6; }
tr.failed td.reason { color: #b03030; text-align: left; }
tr.failed td.na { color: #666; }
td.like { text-align: left; color: #666; }
td.no { color: #b03030; }
.note { color: #666; font-size: .9em; }
details { margin: .4em 0; }
summary { cursor: pointer; }
table.files td { font-family: monospace; font-size: .85em; border: none; padding: .05em .8em; }
svg { max-width: 100%; height: auto; }
</style>
</head>
<body>
<h1>diet compare: {{.C.Source}}</h1>
<p class="note">{{if .C.Platform}}Platform {{.C.Platform}}. {{end}}{{if .C.Smoke}}Smoke test: <code>{{.C.Smoke}}</code>.{{else}}No smoke test was given.{{end}}</p>
<h2>Sizes</h2>
<table id="comparison">
<thead><tr><th>Variant</th><th>Uncompressed</th><th>Compressed</th><th>Layers</th><th>Files</th><th>Program</th><th>Runs</th></tr></thead>
<tbody>
{{range .C.Variants}}{{if .Failed}}<tr class="variant failed" data-name="{{.Name}}"><td>{{.Name}}</td><td class="reason{{if .NotApplicable}} na{{end}}" colspan="6">{{if .NotApplicable}}n/a{{else}}failed{{end}}: {{.Error}}</td></tr>
{{else}}<tr class="variant{{if .Highlight}} diet{{end}}" data-name="{{.Name}}"><td>{{.Name}}</td><td>{{mb .Uncompressed}}</td><td>{{mb .Compressed}}</td><td>{{.Layers}}</td><td>{{.Files}}</td><td>{{percent .ProgramShare}}</td><td{{if and (eq .Run "failed") .ShouldRun}} class="no"{{end}}{{if .RunDetail}} title="{{.RunDetail}}"{{end}}>{{runs .}}</td></tr>
{{end}}{{end}}</tbody>
</table>
<p class="note">Uncompressed: what <code>docker images</code> shows once the image is loaded. Compressed: the sum of the layer blobs, what a pull transfers. Program: the share of the uncompressed bytes that are the program itself. The highlighted row is what <code>diet build</code> makes.</p>
<h2>Chart</h2>
<div id="chart">{{.SVG}}</div>
{{if .C.Published}}<h2>Published figures</h2>
<p class="note">Not measured here: the sizes of one small command-line tool packaged four ways, from the published comparison diet's argument starts from.</p>
<table id="published">
<thead><tr><th>Published</th><th>Size</th><th>Like</th></tr></thead>
{{range .C.Published}}<tr><td>{{.Name}}</td><td>{{mb .Bytes}}</td><td class="like">{{.Like}}</td></tr>
{{end}}</table>
{{end}}<h2>Files of each variant</h2>
{{range .C.Variants}}{{if not .Failed}}<details class="listing" data-name="{{.Name}}"><summary>{{.Name}}: {{.Files}} file{{if ne .Files 1}}s{{end}}, {{mb .Uncompressed}}</summary>
<table class="files">
{{range limit .Listing}}{{if ne .Kind "dir"}}<tr><td>{{.Path}}{{if .Link}} → {{.Link}}{{end}}</td><td>{{if eq .Kind "file"}}{{human .Size}}{{else}}{{.Kind}}{{end}}</td></tr>
{{end}}{{end}}</table>
{{with more .Listing}}<p class="note">({{.}} more not listed)</p>{{end}}</details>
{{end}}{{end}}<p class="note">Made by diet compare.</p>
</body>
</html>
`))

// HTML writes a self-contained page (inline CSS and SVG, nothing fetched)
// with the comparison table, the chart, the published figures and each
// variant's file listing.
func HTML(w io.Writer, c *Comparison) error {
	var svg strings.Builder
	if err := SVG(&svg, c); err != nil {
		return err
	}
	return page.Execute(w, struct {
		C   *Comparison
		SVG template.HTML
	}{c, template.HTML(svg.String())}) // SVG escapes every string it writes
}
