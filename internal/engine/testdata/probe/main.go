// Command probe is a tiny static program the runtime tests run inside
// containers: each first argument is one behaviour to check.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Println("probe: no command")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "echo": // args to stdout, "err" to stderr, exit with code 3
		fmt.Println(strings.Join(os.Args[2:], " "))
		fmt.Fprintln(os.Stderr, "to stderr")
		os.Exit(3)
	case "cat": // stdin to stdout
		io.Copy(os.Stdout, os.Stdin)
	case "env":
		for _, e := range os.Environ() {
			fmt.Println(e)
		}
	case "id":
		wd, _ := os.Getwd()
		fmt.Printf("%d:%d %s\n", os.Getuid(), os.Getgid(), wd)
	case "ifaces": // interface names, one per line, and whether loopback is up
		ifs, err := net.Interfaces()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for _, i := range ifs {
			fmt.Printf("%s %v\n", i.Name, i.Flags&net.FlagUp != 0)
		}
	case "dial": // connect to address, print what it answers
		c, err := net.Dial("tcp", os.Args[2])
		if err != nil {
			fmt.Println("dial error:", err)
			os.Exit(1)
		}
		b, _ := io.ReadAll(c)
		fmt.Printf("got %q\n", b)
	case "get": // GET the URL, print status and body
		resp, err := http.Get(os.Args[2])
		if err != nil {
			fmt.Println("get error:", err)
			os.Exit(1)
		}
		b, _ := io.ReadAll(resp.Body)
		fmt.Printf("%d %s\n", resp.StatusCode, b)
	case "serve": // HTTP on 127.0.0.1:PORT until SIGTERM or SIGINT, then exit 0
		port, _ := strconv.Atoi(os.Args[2])
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		go http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "hello from %s", r.URL.Path)
		}))
		fmt.Println("serving")
		fmt.Println("terminated by", <-sig)
	case "ptrace": // trace a child of our own, as diet's sensor does
		runtime.LockOSThread()
		cmd := exec.Command("/probe", "echo", "child")
		cmd.SysProcAttr = &syscall.SysProcAttr{Ptrace: true}
		if err := cmd.Start(); err != nil {
			fmt.Println("start:", err)
			os.Exit(1)
		}
		// The child stops at its exec; count its system calls, then let it go.
		pid := cmd.Process.Pid
		var ws syscall.WaitStatus
		if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil || !ws.Stopped() {
			fmt.Println("wait:", err, ws)
			os.Exit(1)
		}
		n := 0
		for {
			if err := syscall.PtraceSyscall(pid, 0); err != nil {
				fmt.Println("ptrace:", err)
				os.Exit(1)
			}
			if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
				fmt.Println("wait:", err)
				os.Exit(1)
			}
			if ws.Exited() {
				break
			}
			n++
		}
		fmt.Printf("traced %d stops, child exit %d\n", n, ws.ExitStatus())
	case "caps": // the effective capability set, as /proc shows it
		b, _ := os.ReadFile("/proc/self/status")
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "CapEff:") {
				fmt.Println(strings.TrimSpace(strings.TrimPrefix(l, "CapEff:")))
			}
		}
	case "write": // create a file, to see whether another run sees it
		if err := os.WriteFile(os.Args[2], []byte("x"), 0o644); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
	case "exists":
		_, err := os.Stat(os.Args[2])
		fmt.Println(err == nil)
	case "sleep":
		time.Sleep(time.Hour)
	case "deaf": // ignore SIGTERM and SIGINT, say so, and sleep
		signal.Ignore(syscall.SIGTERM, syscall.SIGINT)
		fmt.Println("deaf")
		time.Sleep(time.Hour)
	default:
		fmt.Println("probe: unknown command", os.Args[1])
		os.Exit(2)
	}
}
