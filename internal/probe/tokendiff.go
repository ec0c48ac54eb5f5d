package probe

// An editOp is a run of tokens that is the same in both texts (equal),
// or that differs: a[a0:a1] in the first became b[b0:b1] in the second.
type editOp struct {
	equal          bool
	a0, a1, b0, b1 int
}

// diffTokens is Myers' O(ND) difference of a and b, as a list of equal
// and changed runs; ok is false when more than maxD tokens changed.
func diffTokens(a, b []string, maxD int) ([]editOp, bool) {
	// The common prefix and suffix cost nothing.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	n, m := len(ma), len(mb)
	var ops []editOp
	push := func(equal bool, a0, a1, b0, b1 int) {
		if a0 == a1 && b0 == b1 {
			return
		}
		if k := len(ops) - 1; k >= 0 && ops[k].equal == equal {
			ops[k].a1, ops[k].b1 = a1, b1
			return
		}
		ops = append(ops, editOp{equal, a0, a1, b0, b1})
	}
	push(true, 0, pre, 0, pre)
	// Forward search, keeping each round's furthest points for the walk
	// back.
	off := n + m + 1
	v := make([]int, 2*off+1)
	var trace [][]int
	found := n == 0 && m == 0
	for d := 0; d <= n+m && !found; d++ {
		if d > maxD {
			return nil, false
		}
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && ma[x] == mb[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = true
				break
			}
		}
	}
	// Walk back from (n, m): trace[d] holds the furthest points of the
	// rounds before d.
	const (
		same = iota
		del  // a token of a only
		ins  // a token of b only
	)
	var steps []int
	x, y := n, m
	for d := len(trace) - 1; d >= 0; d-- {
		vd := trace[d]
		k := x - y
		prevK := k - 1
		if k == -d || (k != d && vd[off+k-1] < vd[off+k+1]) {
			prevK = k + 1
		}
		prevX := vd[off+prevK]
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			steps = append(steps, same)
			x--
			y--
		}
		if d > 0 {
			if x == prevX {
				steps = append(steps, ins)
				y--
			} else {
				steps = append(steps, del)
				x--
			}
		}
	}
	x, y = pre, pre
	for i := len(steps) - 1; i >= 0; i-- {
		switch steps[i] {
		case same:
			push(true, x, x+1, y, y+1)
			x, y = x+1, y+1
		case del:
			push(false, x, x+1, y, y)
			x++
		case ins:
			push(false, x, x, y, y+1)
			y++
		}
	}
	push(true, pre+n, len(a), pre+m, len(b))
	return ops, true
}
