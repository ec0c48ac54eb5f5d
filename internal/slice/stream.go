package slice

import (
	"bytes"
	"math"
)

// held keeps a run of consecutive elements, oldest first, in one byte
// slice; dropping the oldest is amortised O(1).
type held struct {
	data  []byte
	ends  []int  // end offset in data of each element
	first int    // index in ends of the oldest element
	base  int    // offset in data where the oldest element starts
	idx   uint64 // element index of the oldest element
	cur   int    // size of the element being added
}

func (h *held) len() int { return len(h.ends) - h.first }

func (h *held) add(p []byte) { h.data = append(h.data, p...); h.cur += len(p) }

func (h *held) end() { h.ends = append(h.ends, len(h.data)); h.cur = 0 }

// elem returns element j (0 = oldest).
func (h *held) elem(j int) []byte {
	s := h.base
	if j > 0 {
		s = h.ends[h.first+j-1]
	}
	return h.data[s:h.ends[h.first+j]]
}

// drop forgets the oldest element, returning it (valid until the next add).
func (h *held) drop() []byte {
	e := h.elem(0)
	h.base = h.ends[h.first]
	h.first++
	h.idx++
	if h.first >= 1024 && h.first*2 >= len(h.ends) {
		n := copy(h.data, h.data[h.base:])
		h.data = h.data[:n]
		for i := h.first; i < len(h.ends); i++ {
			h.ends[i-h.first] = h.ends[i] - h.base
		}
		h.ends = h.ends[:len(h.ends)-h.first]
		h.first, h.base = 0, 0
	}
	return e
}

// streams reports whether r can be written as the input comes: it counts
// from the start and steps forwards.
func (r Range) streams() bool { return !r.Back && !r.Start.Neg }

// forward is the plan of a range that streams: elements [start, stop),
// of which the last delay are held until more arrive (an end of -delay).
func (r Range) forward() (stop, delay uint64) {
	stop = math.MaxUint64
	if r.End.Set && !r.End.Neg {
		stop = r.End.N
	}
	if r.End.Neg {
		delay = r.End.N
	}
	return
}

// window is what a forward read must keep for a range that depends on the
// input's length: elements [lo, hi), at most the last keep of them;
// stopAtHi when nothing from hi on matters, not even the count.
func (r Range) window() (lo, hi, keep uint64, stopAtHi bool) {
	const all = uint64(math.MaxUint64)
	lo, hi, keep = 0, all, all
	if !r.Back {
		// -k: the last k elements, none from a nonnegative end on.
		keep = r.Start.N
		if r.End.Set && !r.End.Neg {
			hi = r.End.N
		}
		return
	}
	// Backwards from start down to end (excluded).
	if r.Start.Set && !r.Start.Neg {
		hi = satAdd(r.Start.N, 1)
		stopAtHi = !r.End.Neg
	}
	if r.End.Neg {
		keep = r.End.N - 1
	} else if r.End.Set {
		lo = satAdd(r.End.N, 1)
	}
	return
}

// Actions on one element in the forward engine.
const (
	actSkip  = iota // count it only
	actEmit         // write it now
	actStore        // keep it in held
	actStop         // stop reading: nothing further matters
)

// runStream reads in once, forwards. A range that needs no length (start
// from the beginning, forward step) writes elements as they come, holding
// only the last m for an end of -m. Any other range keeps the elements it
// may still select and decides at the end of the input.
func runStream(w *Writer, rd *reader, r Range, o Options) error {
	sp := newSplitter(o)
	d1 := -1
	if o.Mode == Records && len(o.Delim) == 1 {
		d1 = int(o.Delim[0])
	}
	limit := o.MaxRecord
	var h held
	step := r.Step
	s := r.Start.N

	// act says what to do with element i, and for how many elements from
	// i on the same holds (so that runs of skipped lines cost one count).
	var act func(i uint64) (int, uint64)
	var onDone func() // after an element was stored
	const all = uint64(math.MaxUint64)
	stream := r.streams()
	// Held ranges keep elements [lo, hi), at most the last keep of them.
	lo, hi, keep := uint64(0), all, all
	if stream {
		stop, delay := r.forward()
		if stop <= s {
			return nil
		}
		selected := func(i uint64) bool { return (i-s)%step == 0 }
		if delay == 0 {
			limit = 0
			act = func(i uint64) (int, uint64) {
				switch {
				case i >= stop:
					return actStop, 1
				case i < s:
					return actSkip, s - i
				case selected(i):
					return actEmit, 1
				}
				return actSkip, step - (i-s)%step
			}
		} else {
			h.idx = s
			act = func(i uint64) (int, uint64) {
				if i < s {
					return actSkip, s - i
				}
				return actStore, 1 // unselected ones are stored empty
			}
			onDone = func() {
				if uint64(h.len()) > delay {
					i := h.idx
					e := h.drop()
					if selected(i) {
						w.Write(e)
					}
				}
			}
		}
	} else {
		var stopAtHi bool
		lo, hi, keep, stopAtHi = r.window()
		h.idx = lo
		act = func(i uint64) (int, uint64) {
			switch {
			case i >= hi && stopAtHi:
				return actStop, 1
			case i < lo:
				return actSkip, lo - i
			case i >= hi || keep == 0:
				return actSkip, all
			}
			return actStore, 1
		}
		onDone = func() {
			if uint64(h.len()) > keep {
				h.drop()
			}
		}
	}
	if o.Mode == Chars {
		limit = 0
	}

	var i uint64
	inElem, needMore, unterminated := false, false, false
	storeThis := false
	for {
		if ok, err := rd.more(needMore); !ok {
			if err != nil {
				return err
			}
			if inElem {
				if storeThis {
					h.end()
					onDone()
				}
				i++
				unterminated = true
			}
			break
		}
		needMore = false
		if w.err != nil {
			return nil
		}
		a, run := act(i)
		if a == actStop {
			break
		}
		p := rd.buf[rd.pos:rd.end]
		if a == actSkip && d1 >= 0 {
			// Skip whole runs of elements with one SIMD count.
			storeThis = false
			want := run
			if want <= 8 {
				// A few elements: find them one by one.
				k := 0
				for ; want > 0; want-- {
					j := bytes.IndexByte(p[k:], byte(d1))
					if j < 0 {
						break
					}
					k += j + 1
					i++
				}
				rd.pos += k
				inElem = false
				if want > 0 && k < len(p) {
					rd.pos = rd.end
					inElem = true
				}
				continue
			}
			if n := uint64(bytes.Count(p, []byte{byte(d1)})); n < want {
				rd.pos = rd.end
				i += n
				inElem = p[len(p)-1] != byte(d1)
				continue
			}
			rd.pos += afterNth(p, byte(d1), want)
			i += want
			inElem = false
			continue
		}
		if a == actStore && !inElem && keep < all && limit == 0 && (d1 >= 0 || o.Mode == Chars) {
			// Elements followed in the buffer by keep more before hi would
			// be dropped anyway: step over them and start the ring afresh.
			var c uint64
			var m int
			if d1 >= 0 {
				c = uint64(bytes.Count(p, []byte{byte(d1)}))
			} else {
				m, c = skipRunes(p, all)
			}
			if c = min(c, hi-i); c > keep {
				if d1 >= 0 {
					m = afterNth(p, byte(d1), c-keep)
				} else {
					m, _ = skipRunes(p, c-keep)
				}
				i += c - keep
				rd.pos += m
				h = held{data: h.data[:0], ends: h.ends[:0], idx: i}
				continue
			}
		}
		if a == actSkip && o.Mode == Chars {
			if m, c := skipRunes(p, run); m > 0 {
				rd.pos += m
				i += c
				storeThis = false
				continue
			}
		}
		n, done := sp.split(p, rd.eof)
		if n == 0 && !done {
			needMore = true
			continue
		}
		piece := p[:n]
		rd.pos += n
		if !inElem {
			storeThis = a == actStore
		}
		inElem = true
		switch a {
		case actEmit:
			w.Write(piece)
		case actStore:
			if stream && (i-s)%step != 0 {
				h.cur += len(piece) // an unselected element only takes its place
			} else {
				h.add(piece)
			}
			if limit > 0 && int64(h.cur) > limit {
				return &RecordTooLargeError{limit}
			}
		}
		if done {
			if storeThis {
				h.end()
				onDone()
			}
			i++
			inElem = false
		}
	}
	if stream {
		return nil // what is still held lies in the last -m elements
	}
	return emitHeld(w, &h, r, int64(i), unterminated && o.Mode == Records, o.Delim)
}

// emitHeld writes the selection of an input of n elements whose selected
// elements are all in h.
func emitHeld(w *Writer, h *held, r Range, n int64, unterminated bool, delim []byte) error {
	start, stop, step := r.Indices(n)
	moveDelim := false
	for k := start; step > 0 && k < stop || step < 0 && k > stop; k += step {
		j := k - int64(h.idx)
		if j < 0 || j >= int64(h.len()) {
			continue // not held: cannot happen for a consistent plan
		}
		moveDelim = writeBack(w, h.elem(int(j)), delim, moveDelim, step < 0 && unterminated && k == n-1)
		if w.err != nil {
			return nil
		}
	}
	return nil
}

// writeBack writes rec, the next record of a backward walk. After the
// input's last record when it lacks its delimiter (last), each record is
// written with its delimiter moved to its front, so that the output stays
// delimited; moved says whether that is already so. It returns moved for
// the next record.
func writeBack(w *Writer, rec, delim []byte, moved, last bool) bool {
	if moved {
		w.Write(delim)
		w.Write(rec[:len(rec)-len(delim)])
		return true
	}
	w.Write(rec)
	return last
}
