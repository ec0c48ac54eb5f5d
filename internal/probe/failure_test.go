package probe

import "testing"

func TestOutcomeFailure(t *testing.T) {
	httpP := Probe{Kind: KindHTTP, Port: 80, Path: "/"}
	tcpP := Probe{Kind: KindTCP, Port: 6379}
	cmdP := Probe{Kind: KindCmd, Args: []string{"redis-cli", "ping"}}
	scriptP := Probe{Kind: KindScript, Script: "check.sh"}
	execP := Probe{Kind: KindExec, Args: []string{"false"}}
	tests := []struct {
		name string
		o    Outcome
		want string
	}{
		{"http 200", Outcome{Probe: httpP, Status: 200, Body: []byte("ok")}, ""},
		{"http 404", Outcome{Probe: httpP, Status: 404}, ""},
		{"http 500", Outcome{Probe: httpP, Status: 500}, "status 500"},
		{"http 503", Outcome{Probe: httpP, Status: 503}, "status 503"},
		{"http no connection", Outcome{Probe: httpP, Error: "port 80 never accepted a connection within 1m0s"}, "port 80 never accepted a connection within 1m0s"},
		{"tcp connected", Outcome{Probe: tcpP, Body: []byte("+PONG\r\n")}, ""},
		{"tcp no connection", Outcome{Probe: tcpP, Error: "port 6379 never accepted a connection within 1m0s"}, "port 6379 never accepted a connection within 1m0s"},
		{"cmd exit 0", Outcome{Probe: cmdP, Stdout: []byte("PONG\n")}, ""},
		{"cmd exit 1", Outcome{Probe: cmdP, ExitCode: 1}, "exit 1"},
		{"cmd missing", Outcome{Probe: cmdP, Error: "redis-cli: not found in the image"}, "redis-cli: not found in the image"},
		{"script exit 0", Outcome{Probe: scriptP}, ""},
		{"script exit 1", Outcome{Probe: scriptP, ExitCode: 1}, "exit 1"},
		{"script killed", Outcome{Probe: scriptP, ExitCode: -1}, "killed by a signal"},
		// An exec probe's exit code is its answer, whatever it is.
		{"exec exit 0", Outcome{Probe: execP}, ""},
		{"exec exit 1", Outcome{Probe: execP, ExitCode: 1}, ""},
		{"wait ended", Outcome{Probe: Probe{Kind: KindWait}, ExitCode: 2}, ""},
		{"default exit 1", Outcome{Probe: Probe{Kind: KindDefault}, ExitCode: 1}, ""},
	}
	for _, tt := range tests {
		if got := tt.o.Failure(); got != tt.want {
			t.Errorf("%s: Failure() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestWarningString(t *testing.T) {
	w := Warning{Probe: "script check.sh", Outcome: "exit 1"}
	if got, want := w.String(), "probe script check.sh failed against the original (exit 1)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
