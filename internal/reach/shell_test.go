package reach

import (
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/testenv"
	"github.com/dietimg/diet/internal/why"
)

// shTestFS is an image with the programs the shell tests run, and a few
// that share a builtin's or a function's name and must not be found.
func shTestFS() fstest.MapFS {
	m := fstest.MapFS{
		"bin":                   {Mode: fs.ModeSymlink, Data: []byte("usr/bin")},
		"app/common.sh":         {Data: []byte("wc -l /x\n")},
		"app/more.sh":           {Data: []byte(": nothing\n")},
		"app/run":               {Mode: 0o755, Data: []byte("#!/bin/sh\n")},
		"app/start.sh":          {Data: []byte("#!/bin/sh\ntar -x\n")},
		"etc/default/app":       {Data: []byte("APP_OPTS=1\ngzip -t /y\n")},
		"etc/default/loop":      {Data: []byte(". /etc/default/loop\nsed p\n")},
		"opt/tools/bin/mytool":  {Mode: 0o755},
		"opt/bash/bin/bashtool": {Mode: 0o755},
		"custom/bin/only":       {Mode: 0o755},
		"usr/bin/notexec":       {Mode: 0o644},
	}
	for _, p := range strings.Fields(`sh bash dash tar gzip wc sed env xargs nohup timeout gosu find chmod
		id su runuser busybox nice ionice stdbuf uname cat rm test kill echo printf true [ backup helper`) {
		m["usr/bin/"+p] = &fstest.MapFile{Mode: 0o755, Data: []byte("\x7fELF")}
	}
	m["usr/local/bin/app"] = &fstest.MapFile{Mode: 0o755}
	return m
}

func TestShellCommands(t *testing.T) {
	tests := []struct {
		name   string
		script string
		env    []string
		wd     string
		want   []string
	}{
		{"case branches", "#!/bin/sh\ncase \"$1\" in\n a) tar -czf x d ;;\n b) gzip -9 f ;;\n *) wc -l f ;;\nesac\n",
			nil, "", []string{"program /usr/bin/gzip", "program /usr/bin/tar", "program /usr/bin/wc"}},
		{"functions skipped", "#!/bin/sh\nbackup() { tar -c .; }\nbackup\nhelper\nhelper() { :; }\n",
			nil, "", []string{"program /usr/bin/tar"}},
		{"builtins skipped", "#!/bin/sh\necho x; printf y; test -f z; [ -d / ]; kill -0 1; true; cd /; read a; exit 0\n",
			nil, "", nil},
		{"exec env nohup timeout gosu", "#!/bin/sh\nexec gosu app env -i A=1 - nohup timeout -s KILL 10 sed -n p\ngosu \"$USER\" timeout \"$T\" tar\n",
			nil, "", []string{"program /usr/bin/env", "program /usr/bin/gosu", "program /usr/bin/nohup", "program /usr/bin/sed", "program /usr/bin/tar", "program /usr/bin/timeout"}},
		{"xargs and find -exec", "#!/bin/sh\nfind . -exec chmod 0644 {} \\; | xargs -0 -n 1 -P4 gzip\n",
			nil, "", []string{"program /usr/bin/chmod", "program /usr/bin/find", "program /usr/bin/gzip", "program /usr/bin/xargs"}},
		{"sh -c", "#!/bin/sh\nsh -ec 'tar -x && wc -l' ; bash -c \"gzip \\\"x\\\"\"\nbusybox sh -c 'sed p'\n",
			nil, "", []string{"program /usr/bin/bash", "program /usr/bin/busybox", "program /usr/bin/sed", "program /usr/bin/gzip", "program /usr/bin/sh", "program /usr/bin/tar", "program /usr/bin/wc"}},
		{"sh script", "#!/bin/sh\nsh /app/start.sh\n", nil, "", []string{"file /app/start.sh", "program /usr/bin/sh"}},
		{"su runuser eval trap", "#!/bin/sh\nsu app -c 'tar x'\nrunuser -u app -- wc\neval \"gzip y\"\ntrap 'sed p' EXIT\n",
			nil, "", []string{"program /usr/bin/gzip", "program /usr/bin/runuser", "program /usr/bin/sed", "program /usr/bin/su", "program /usr/bin/tar", "program /usr/bin/wc"}},
		{"command -v does not run", "#!/bin/sh\ncommand -v tar\ncommand gzip\n", nil, "", []string{"program /usr/bin/gzip"}},
		{"source", "#!/bin/sh\n. /app/common.sh\nsource /etc/default/app\n",
			nil, "", []string{"file /app/common.sh", "file /etc/default/app", "program /usr/bin/gzip"}},
		{"source loop", "#!/bin/sh\n. /etc/default/loop\n", nil, "", []string{"file /etc/default/loop", "program /usr/bin/sed"}},
		{"source next to the script", "#!/bin/sh\n. \"$(dirname \"$0\")/common.sh\"\n. ${0%/*}/more.sh\n",
			nil, "", []string{"file /app/common.sh", "file /app/more.sh"}},
		{"PATH assignment", "#!/bin/sh\nPATH=/opt/tools/bin:$PATH\nmytool\ntar\n",
			nil, "", []string{"program /opt/tools/bin/mytool", "program /usr/bin/tar"}},
		{"export PATH posix", "#!/bin/sh\nexport PATH=\"/opt/tools/bin:${PATH}\"\nmytool\n",
			nil, "", []string{"program /opt/tools/bin/mytool"}},
		{"export PATH bash", "#!/bin/bash\nexport PATH=/opt/bash/bin:$HOME/bin:$PATH\nbashtool\n",
			nil, "", []string{"program /opt/bash/bin/bashtool"}},
		{"image PATH", "#!/bin/sh\nonly\ntar\n", []string{"PATH=/custom/bin"}, "", []string{"program /custom/bin/only"}},
		{"command substitution", "#!/bin/sh\nn=$(wc -l < f)\nv=`gzip -V`\necho \"$(tar --version)\"\n",
			nil, "", []string{"program /usr/bin/gzip", "program /usr/bin/tar", "program /usr/bin/wc"}},
		{"branches and pipelines", "#!/bin/sh\nif id -u; then tar x; else gzip y || wc z; fi | sed p && (uname) &\n",
			nil, "", []string{"program /usr/bin/gzip", "program /usr/bin/id", "program /usr/bin/sed", "program /usr/bin/tar", "program /usr/bin/uname", "program /usr/bin/wc"}},
		{"not found or not executable", "#!/bin/sh\nnosuchcmd a\nnotexec\n/no/such/path\n\"$CMD\" x\n", nil, "", nil},
		{"paths", "#!/bin/sh\n/usr/local/bin/app --serve\n./run\n\\tar\n", nil, "/app",
			[]string{"program /app/run", "program /usr/bin/tar", "program /usr/local/bin/app"}},
		{"bash syntax", "#!/bin/bash\nfunction f { [[ -n $x ]] && tar x; }\na=(1 2)\ncat <(sed p) > >(wc)\n",
			nil, "", []string{"program /usr/bin/cat", "program /usr/bin/sed", "program /usr/bin/tar", "program /usr/bin/wc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := &Image{FS: shTestFS(), Env: tt.env, WorkingDir: tt.wd}
			sh := newShell(img)
			if !sh.Claims("/app/entry", []byte(tt.script)) {
				t.Fatalf("the script is not claimed")
			}
			found, err := sh.Reach("/app/entry", []byte(tt.script))
			if err != nil {
				t.Fatal(err)
			}
			checkFinds(t, found, tt.want)
		})
	}
}

func TestShellReasons(t *testing.T) {
	found, err := newShell(&Image{FS: shTestFS()}).Reach("/entry.sh", []byte("\\tar x\n. /etc/default/app\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Found{
		{Path: "/usr/bin/tar", As: Program, Reason: why.Reason{Kind: why.Command, By: "/entry.sh", Detail: "tar"}},
		{Path: "/etc/default/app", As: File, Reason: why.Reason{Kind: why.Source, By: "/entry.sh", Detail: "/etc/default/app"}},
		{Path: "/usr/bin/gzip", As: Program, Reason: why.Reason{Kind: why.Command, By: "/etc/default/app", Detail: "gzip"}},
	}
	if !reflect.DeepEqual(found, want) {
		t.Errorf("found %+v, want %+v", found, want)
	}
}

func TestShellParseError(t *testing.T) {
	_, err := newShell(&Image{FS: shTestFS()}).Reach("/bad.sh", []byte("#!/bin/sh\necho ok\nif then fi (\n"))
	if err == nil || !strings.Contains(err.Error(), "/bad.sh:3:") {
		t.Fatalf("err = %v, want a parse error naming /bad.sh:3", err)
	}
}

// TestShellTestdata reads the scripts of testdata/shell: real ones and
// an entrypoint written to hold every form.
func TestShellTestdata(t *testing.T) {
	img := &Image{FS: shTestFS()}
	found, err := newShell(img).Reach("/app/entrypoint.sh", testdata(t, "shell", "entrypoint.sh"))
	if err != nil {
		t.Fatal(err)
	}
	got := foundList(found)
	for _, p := range []string{"/opt/tools/bin/mytool", "/usr/bin/tar", "/usr/bin/gzip", "/usr/bin/wc", "/usr/bin/sed",
		"/usr/bin/sh", "/usr/bin/id", "/usr/bin/find", "/usr/bin/chmod", "/usr/bin/gosu", "/usr/bin/env", "/usr/bin/nohup",
		"/usr/bin/timeout", "/usr/bin/xargs", "/usr/bin/rm", "/usr/bin/su", "/usr/bin/runuser", "/usr/bin/nice",
		"/usr/bin/ionice", "/usr/bin/stdbuf", "/usr/bin/uname", "/usr/bin/cat"} {
		if !slices.Contains(got, "program "+p) {
			t.Errorf("%s not found in %q", p, got)
		}
	}
	for _, p := range []string{"/app/common.sh", "/app/more.sh"} {
		if !slices.Contains(got, "file "+p) {
			t.Errorf("%s not found in %q", p, got)
		}
	}
	readsAll(t, newShell(img), "shell", "/usr/bin/")
}

// TestShellDebian resolves commands in a real Debian tree, through its
// usrmerged /bin.
func TestShellDebian(t *testing.T) {
	fsys, err := rootfs.Dir(testenv.DebianRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\ncase $1 in\n a) tar -cf - . | gzip -9 ;;\n *) wc -l ;;\nesac\n"
	found, err := newShell(&Image{FS: fsys}).Reach("/entrypoint.sh", []byte(script))
	if err != nil {
		t.Fatal(err)
	}
	got := foundList(found)
	for _, want := range [][]string{{"/usr/bin/tar", "/bin/tar"}, {"/usr/bin/gzip", "/bin/gzip"}, {"/usr/bin/wc", "/bin/wc"}} {
		if !slices.Contains(got, "program "+want[0]) && !slices.Contains(got, "program "+want[1]) {
			t.Errorf("%s not found in %q", want[0], got)
		}
	}
}

func FuzzShellCommands(f *testing.F) {
	addSeeds(f, "shell")
	f.Add([]byte("exec env -S 'sh -c \"eval tar\"'\n"))
	f.Add([]byte(". /etc/default/loop; su -c\n"))
	sh := newShell(&Image{FS: shTestFS(), WorkingDir: "/app"})
	f.Fuzz(func(t *testing.T, src []byte) { reachTwice(t, sh, "/app/x.sh", src) })
}
