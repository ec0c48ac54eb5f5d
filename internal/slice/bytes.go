package slice

// runBytes selects bytes from a forward-only input: the byte-mode twin of
// runStream, with arithmetic in place of splitting. It keeps the bytes of
// [lo, hi) in a window of at most keep; a range that needs no length
// writes the bytes that leave the window, any other selects from the
// window at the end of the input.
func runBytes(w *Writer, rd *reader, r Range) error {
	var win []byte // held bytes: offsets [base, base+len(win)-ws)
	ws := 0
	base := uint64(0)
	s, step := r.Start.N, r.Step
	var lo, hi, keep uint64
	stopAtHi, stream := true, r.streams()
	if stream {
		var delay uint64
		hi, delay = r.forward()
		if hi <= s {
			return nil
		}
		// The bytes before the last delay ones are known to be selected.
		lo, keep = s, delay
	} else {
		lo, hi, keep, stopAtHi = r.window()
	}
	base = lo
	// drop writes old, at offset at, when it leaves the window of a range
	// that streams.
	drop := func(old []byte, at uint64) {
		if stream && len(old) > 0 {
			emitStride(w, old, at, s, step)
		}
	}
	// hold appends p to the window and keeps only its last keep bytes.
	hold := func(p []byte) {
		if uint64(len(p)) >= keep {
			cut := uint64(len(p)) - keep
			drop(win[ws:], base)
			drop(p[:cut], base+uint64(len(win)-ws))
			base += uint64(len(win)-ws) + cut
			win = append(win[:0], p[cut:]...)
			ws = 0
			return
		}
		win = append(win, p...)
		if n := uint64(len(win) - ws); n > keep {
			cut := int(n - keep)
			drop(win[ws:ws+cut], base)
			ws += cut
			base += uint64(cut)
		}
		if ws > len(win)/2 && ws > 1<<16 {
			win = win[:copy(win, win[ws:])]
			ws = 0
		}
	}
	var off uint64
	for !(stopAtHi && off >= hi) {
		if !rd.fill() {
			break
		}
		p := rd.buf[rd.pos:rd.end]
		rd.pos = rd.end
		pOff := off
		off += uint64(len(p))
		if a, b := max(lo, pOff), min(hi, off); a < b {
			hold(p[a-pOff : b-pOff])
		}
		if w.err != nil {
			return nil
		}
	}
	if rd.err != nil {
		return &ReadError{rd.err}
	}
	if stream {
		return nil // what is still held lies in the last -m bytes
	}
	start, stop, st := r.Indices(int64(off))
	h := win[ws:]
	at := func(k int64) int64 { return k - int64(base) }
	if st == 1 {
		if start < stop {
			w.Write(h[at(start):at(stop)])
		}
		return nil
	}
	for k := start; st > 0 && k < stop || st < 0 && k > stop; k += st {
		if j := at(k); j >= 0 && j < int64(len(h)) {
			w.writeByte(h[j])
		}
	}
	return nil
}

// emitStride writes the bytes of seg, which starts at offset at, whose
// offset is s plus a multiple of step.
func emitStride(w *Writer, seg []byte, at, s, step uint64) {
	first := (step - (at-s)%step) % step
	if step == 1 {
		w.Write(seg)
		return
	}
	if first >= uint64(len(seg)) {
		return
	}
	for j := first; j < uint64(len(seg)); j += step {
		w.writeByte(seg[j])
	}
}
