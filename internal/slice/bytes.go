package slice

import "math"

// runBytes selects bytes from a forward-only input: the byte-mode twin of
// runStream, with arithmetic in place of splitting.
func runBytes(w *Writer, rd *reader, r Range) error {
	const all = uint64(math.MaxUint64)
	var win []byte // held bytes: offsets [base, base+len(win)-ws)
	ws := 0
	base := uint64(0)
	hold := func(p []byte, keep uint64) {
		if uint64(len(p)) >= keep {
			base += uint64(len(win)-ws) + uint64(len(p)) - keep
			win = append(win[:0], p[uint64(len(p))-keep:]...)
			ws = 0
			return
		}
		win = append(win, p...)
		if n := uint64(len(win) - ws); n > keep {
			cut := int(n - keep)
			ws += cut
			base += uint64(cut)
		}
		if ws > len(win)/2 && ws > 1<<16 {
			win = win[:copy(win, win[ws:])]
			ws = 0
		}
	}
	s, step := r.Start.N, r.Step
	var off uint64
	if !r.Back && !r.Start.Neg {
		stop, delay := all, uint64(0)
		if r.End.Set && !r.End.Neg {
			stop = r.End.N
		}
		if r.End.Neg {
			delay = r.End.N
		}
		if stop <= s {
			return nil
		}
		base = s
		for off < stop {
			if !rd.fill() {
				break
			}
			p := rd.buf[rd.pos:rd.end]
			rd.pos = rd.end
			pOff := off
			off += uint64(len(p))
			lo, hi := max(s, pOff), min(stop, off)
			if lo >= hi {
				continue
			}
			seg := p[lo-pOff : hi-pOff]
			if delay == 0 {
				emitStride(w, seg, lo, s, step)
				continue
			}
			// Hold the last delay bytes; older ones are known to be selected.
			win = append(win, seg...)
			if n := uint64(len(win) - ws); n > delay {
				out := win[ws : ws+int(n-delay)]
				emitStride(w, out, base, s, step)
				ws += len(out)
				base += uint64(len(out))
			}
			if ws > len(win)/2 && ws > 1<<16 {
				win = win[:copy(win, win[ws:])]
				ws = 0
			}
			if w.err != nil {
				return nil
			}
		}
		if rd.err != nil {
			return &ReadError{rd.err}
		}
		return nil
	}

	lo, hi, keep, stopAtHi := r.window()
	base = lo
	for !(stopAtHi && off >= hi) {
		if !rd.fill() {
			break
		}
		p := rd.buf[rd.pos:rd.end]
		rd.pos = rd.end
		pOff := off
		off += uint64(len(p))
		a, b := max(lo, pOff), min(hi, off)
		if a < b {
			hold(p[a-pOff:b-pOff], keep)
		}
	}
	if rd.err != nil {
		return &ReadError{rd.err}
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
