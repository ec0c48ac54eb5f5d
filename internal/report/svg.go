package report

import (
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
	"strings"
)

// Chart colours: the variants in a muted blue, diet in orange, published
// figures in grey.
const (
	colourBar       = "#7f9cc4"
	colourDiet      = "#e4572e"
	colourPublished = "#b8b8b8"
	colourFailed    = "#b03030"
	colourGrid      = "#e3e3e3"
	colourText      = "#222"
	colourMuted     = "#666"
)

// Geometry of the chart, in SVG user units.
const (
	chartWidth = 820
	labelRight = 250 // labels end here, right-aligned
	barLeft    = 260
	barSpan    = 440
	rowHeight  = 30
	barHeight  = 20
	topRows    = 92 // y of the first row
)

// logThreshold is the ratio of the largest to the smallest size beyond
// which the chart switches to a log scale: with a linear one the small
// bars would be invisible.
const logThreshold = 20

// scale maps byte counts to bar lengths.
type scale struct {
	log    bool
	lo, hi float64 // MB
}

func newScale(values []int64) scale {
	lo, hi := math.Inf(1), 0.0
	for _, v := range values {
		mb := float64(v) / 1e6
		if v <= 0 {
			continue
		}
		lo, hi = math.Min(lo, mb), math.Max(hi, mb)
	}
	if hi == 0 {
		return scale{lo: 0, hi: 1}
	}
	if hi/lo > logThreshold {
		// From a whole decade with room below the smallest bar, to a
		// little beyond the largest.
		return scale{log: true, lo: math.Pow(10, math.Floor(math.Log10(lo/2))), hi: hi * 1.25}
	}
	step := niceStep(hi / 5)
	return scale{lo: 0, hi: math.Ceil(hi/step) * step}
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

func (s scale) x(bytes int64) float64 {
	mb := float64(bytes) / 1e6
	var f float64
	if s.log {
		if mb <= s.lo {
			return 0
		}
		f = (math.Log10(mb) - math.Log10(s.lo)) / (math.Log10(s.hi) - math.Log10(s.lo))
	} else {
		f = mb / s.hi
	}
	return math.Min(1, f) * barSpan
}

// ticks are the axis values, in MB.
func (s scale) ticks() []float64 {
	var out []float64
	if s.log {
		for v := s.lo; v <= s.hi*1.0001; v *= 10 {
			out = append(out, v)
		}
		return out
	}
	step := niceStep(s.hi / 5)
	for v := 0.0; v <= s.hi*1.0001; v += step {
		out = append(out, v)
	}
	return out
}

func tickLabel(mb float64) string { return strconv.FormatFloat(mb, 'f', -1, 64) }

func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// SVG writes a horizontal bar chart of the uncompressed sizes of the
// comparison: one bar per variant labelled in MB, diet's in its own colour,
// failed variants with their reason, and the published figures in a
// separate, marked section. The output depends only on c.
func SVG(w io.Writer, c *Comparison) error {
	var values []int64
	for _, v := range c.Variants {
		if !v.Failed() {
			values = append(values, v.Uncompressed)
		}
	}
	for _, r := range c.Published {
		values = append(values, r.Bytes)
	}
	sc := newScale(values)
	rows := len(c.Variants)
	if len(c.Published) > 0 {
		rows += len(c.Published) + 1
	}
	height := topRows + rows*rowHeight + 40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-title" font-family="Helvetica, Arial, sans-serif" font-size="13">`+"\n",
		chartWidth, height, chartWidth, height)
	title := "Image size of " + c.Source
	fmt.Fprintf(&b, `<title id="chart-title">%s</title>`+"\n", esc(title))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/>`+"\n", chartWidth, height)
	fmt.Fprintf(&b, `<text x="20" y="28" font-size="17" font-weight="bold" fill="%s">%s</text>`+"\n", colourText, esc(title))
	sub := "uncompressed size (as docker images shows), MB"
	if sc.log {
		sub += ", log scale"
	}
	fmt.Fprintf(&b, `<text x="20" y="48" fill="%s">%s</text>`+"\n", colourMuted, esc(sub))

	// Axis: grid lines and tick labels.
	gridBottom := topRows + rows*rowHeight
	for _, t := range sc.ticks() {
		x := barLeft + sc.x(int64(math.Round(t*1e6)))
		fmt.Fprintf(&b, `<line x1="%s" y1="%d" x2="%s" y2="%d" stroke="%s"/>`+"\n", num(x), topRows-10, num(x), gridBottom, colourGrid)
		fmt.Fprintf(&b, `<text x="%s" y="%d" text-anchor="middle" font-size="11" fill="%s">%s</text>`+"\n", num(x), topRows-16, colourMuted, tickLabel(t))
	}

	y := topRows
	for _, v := range c.Variants {
		failed := ""
		if v.Failed() {
			failed = failedText(v)
		}
		bar(&b, sc, y, v.Name, v.Uncompressed, v.Highlight, failed, false)
		y += rowHeight
	}
	if len(c.Published) > 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-style="italic" fill="%s">Published figures, not measured here (one small tool):</text>`+"\n",
			20, y+rowHeight/2+5, colourMuted)
		y += rowHeight
		for _, r := range c.Published {
			bar(&b, sc, y, r.Name, r.Bytes, false, "", true)
			y += rowHeight
		}
	}
	fmt.Fprintf(&b, `<text x="20" y="%d" font-size="11" fill="%s">made by diet compare; the highlighted bar is what diet build makes</text>`+"\n", height-14, colourMuted)
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func bar(b *strings.Builder, sc scale, y int, label string, bytes int64, highlight bool, failed string, published bool) {
	cy := y + rowHeight/2
	weight := ""
	if highlight {
		weight = ` font-weight="bold"`
	}
	fmt.Fprintf(b, `<g class="bar" data-name="%s">`, esc(label))
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="end" fill="%s"%s>%s</text>`, labelRight, cy+5, colourText, weight, esc(label))
	if failed != "" {
		msg, colour := failed, colourFailed
		if strings.HasPrefix(msg, "n/a") {
			colour = colourMuted
		}
		if r := []rune(msg); len(r) > 70 {
			msg = string(r[:69]) + "…"
		}
		fmt.Fprintf(b, `<text x="%d" y="%d" fill="%s">%s</text></g>`+"\n", barLeft+4, cy+5, colour, esc(msg))
		return
	}
	colour := colourBar
	switch {
	case highlight:
		colour = colourDiet
	case published:
		colour = colourPublished
	}
	wd := math.Max(1, sc.x(bytes))
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%s" height="%d" rx="2" fill="%s"/>`, barLeft, cy-barHeight/2, num(wd), barHeight, colour)
	fmt.Fprintf(b, `<text x="%s" y="%d" fill="%s"%s>%s</text></g>`+"\n", num(barLeft+wd+6), cy+5, colourText, weight, MBString(bytes))
}

func esc(s string) string { return html.EscapeString(s) }
