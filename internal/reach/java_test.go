package reach

import (
	"archive/zip"
	"bytes"
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dietimg/diet/internal/why"
)

// javaTestJar is a jar holding the manifest mf, and a class.
func javaTestJar(t testing.TB, mf []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range map[string][]byte{"META-INF/MANIFEST.MF": mf, "com/example/App.class": {0xca, 0xfe, 0xba, 0xbe}} {
		if mf == nil && strings.HasPrefix(name, "META-INF") {
			continue
		}
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// javaTestFS is an image with a JDK's java, an application in /app and
// libraries in /opt.
func javaTestFS(t testing.TB) fstest.MapFS {
	jar := &fstest.MapFile{Data: javaTestJar(t, []byte("Manifest-Version: 1.0\r\n\r\n"))}
	dir := &fstest.MapFile{Mode: fs.ModeDir | 0o755}
	return fstest.MapFS{
		"usr/lib/jvm/java-17/bin/java":     {Data: []byte("\x7fELF"), Mode: 0o755},
		"app/classes":                      dir,
		"app/classes/Main.class":           {Data: []byte{0xca, 0xfe}},
		"app/resources":                    dir,
		"app/lib/a.jar":                    jar,
		"app/app.jar":                      jar,
		"app/libs/x.jar":                   jar,
		"app/jib-classpath-file":           {Data: testdata(t, "java", "jib-classpath-file")},
		"app/jib-main-class-file":          {Data: testdata(t, "java", "jib-main-class-file")},
		"app/java.args":                    {Data: []byte("# options\n-cp \"classes:lib/a.jar\"\n-javaagent:'/opt/agent dir/agent.jar'\ncom.example.Main\n")},
		"app/root":                         {Mode: fs.ModeSymlink, Data: []byte("/")},
		"opt/libs/b.jar":                   jar,
		"opt/libs/c.JAR":                   jar,
		"opt/libs/readme.txt":              {Data: []byte("not a jar")},
		"opt/libs/sub/d.jar":               jar,
		"opt/agent.jar":                    jar,
		"opt/agent dir/agent.jar":          jar,
		"opt/mods/m.jar":                   jar,
		"opt/otel/opentelemetry-agent.jar": jar,
	}
}

// javaFound is a Found in a test table: path, how, by, detail.
type javaFound struct {
	path   string
	as     As
	by     string
	detail string
}

func javaFounds(fs []Found) []javaFound {
	var out []javaFound
	for _, f := range fs {
		if f.Reason.Kind != why.ClassPath {
			out = append(out, javaFound{f.Path, f.As, "WRONG KIND " + string(f.Reason.Kind), f.Reason.Detail})
			continue
		}
		out = append(out, javaFound{f.Path, f.As, f.Reason.By, f.Reason.Detail})
	}
	return out
}

func TestJavaRoots(t *testing.T) {
	const cl = "the command line"
	for _, tc := range []struct {
		name string
		argv []string
		env  []string
		wd   string
		want []javaFound
	}{
		{
			name: "cp with a directory, a jar and dir/*",
			argv: []string{"java", "-Xmx512m", "-cp", "classes:lib/a.jar:/opt/libs/*:missing.jar:", "com.example.Main", "-cp", "/opt/mods"},
			env:  []string{"CLASSPATH=/opt/agent.jar"},
			wd:   "/app",
			want: []javaFound{
				{"/app/classes", Tree, cl, "classes"},
				{"/app/lib/a.jar", File, cl, "lib/a.jar"},
				{"/opt/libs/b.jar", File, cl, "/opt/libs/*"},
				{"/opt/libs/c.JAR", File, cl, "/opt/libs/*"},
			},
		},
		{
			name: "jar with a path to java, an agent, a CLASSPATH java ignores",
			argv: []string{"/usr/bin/tini", "--", "/usr/lib/jvm/java-17/bin/java", "-javaagent:/opt/agent.jar=port=9404", "-jar", "app.jar", "-cp", "/opt/mods"},
			env:  []string{"CLASSPATH=/opt/libs/b.jar"},
			wd:   "/app",
			want: []javaFound{
				{"/opt/agent.jar", File, cl, "/opt/agent.jar"},
				{"/app/app.jar", File, cl, "app.jar"},
			},
		},
		{
			name: "CLASSPATH",
			argv: []string{"java", "com.example.Main"},
			env:  []string{"PATH=/usr/bin", "CLASSPATH=/app/classes:/app/libs/*"},
			want: []javaFound{
				{"/app/classes", Tree, "CLASSPATH", "/app/classes"},
				{"/app/libs/x.jar", File, "CLASSPATH", "/app/libs/*"},
			},
		},
		{
			name: "Jib's argfiles",
			argv: []string{"java", "-cp", "@/app/jib-classpath-file", "@/app/jib-main-class-file"},
			want: []javaFound{
				{"/app/resources", Tree, "/app/jib-classpath-file", "/app/resources"},
				{"/app/classes", Tree, "/app/jib-classpath-file", "/app/classes"},
				{"/app/libs/x.jar", File, "/app/jib-classpath-file", "/app/libs/*"},
			},
		},
		{
			name: "an argfile with quotes and comments",
			argv: []string{"java", "@java.args"},
			wd:   "/app",
			want: []javaFound{
				{"/opt/agent dir/agent.jar", File, "/app/java.args", "/opt/agent dir/agent.jar"},
				{"/app/classes", Tree, "/app/java.args", "classes"},
				{"/app/lib/a.jar", File, "/app/java.args", "lib/a.jar"},
			},
		},
		{
			name: "a shell command line, module path, options in the environment",
			argv: []string{"/bin/sh", "-c", "exec java --module-path /opt/mods --add-modules ALL-MODULE-PATH -cp \"/app/classes\" Main && echo done"},
			env:  []string{"JAVA_TOOL_OPTIONS=-Xss1m -javaagent:/opt/otel/opentelemetry-agent.jar", "JDK_JAVA_OPTIONS=--class-path=/opt/libs/b.jar"},
			want: []javaFound{
				{"/opt/otel/opentelemetry-agent.jar", File, "JAVA_TOOL_OPTIONS", "/opt/otel/opentelemetry-agent.jar"},
				{"/opt/mods", Tree, cl, "/opt/mods"},
				{"/app/classes", Tree, cl, "/app/classes"},
			},
		},
		{
			name: "system directories are refused, by name or through a link",
			argv: []string{"java", "-cp", "/:/usr:.:root:/app/root/opt", "Main"},
			wd:   "/",
		},
		{
			name: "not java",
			argv: []string{"python3", "app.py", "-Dx=/usr/share/java", "--jvm=/opt/java"},
			env:  []string{"PATH=/usr/bin"},
			wd:   "/app",
		},
		{
			name: "a script starts java: CLASSPATH still counts",
			argv: []string{"/docker-entrypoint.sh"},
			env:  []string{"CLASSPATH=/app/lib/a.jar"},
			want: []javaFound{{"/app/lib/a.jar", File, "CLASSPATH", "/app/lib/a.jar"}},
		},
		{
			name: "dangling options",
			argv: []string{"java", "-cp"},
			env:  []string{"CLASSPATH=/app/classes"},
			want: []javaFound{{"/app/classes", Tree, "CLASSPATH", "/app/classes"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := &Image{FS: javaTestFS(t), Argv: tc.argv, Env: tc.env, WorkingDir: tc.wd}
			got := javaFounds(newJava(img).(rooter).Roots())
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Roots:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestJavaManifest(t *testing.T) {
	tree := javaTestFS(t)
	for _, name := range []string{"slf4j-api-2.0.9.jar", "logback-core-1.4.11.jar", "jackson-databind-2.15.2.jar", "with space.jar"} {
		tree["app/lib/"+name] = tree["app/lib/a.jar"]
	}
	tree["opt/shared/common.jar"] = tree["app/lib/a.jar"]
	tree["app/extra/local.jar"] = tree["app/lib/a.jar"]
	tree["opt/agent-bootstrap.jar"] = tree["app/lib/a.jar"]
	j := newJava(&Image{FS: tree})
	for _, tc := range []struct {
		name string
		jar  string
		mf   []byte
		want []javaFound
	}{
		{
			name: "maven's Class-Path, wrapped at 72 bytes",
			jar:  "/app/app.jar", mf: testdata(t, "java", "maven.MF"),
			want: []javaFound{
				{"/app/lib/slf4j-api-2.0.9.jar", File, "/app/app.jar", "lib/slf4j-api-2.0.9.jar"},
				{"/app/lib/logback-core-1.4.11.jar", File, "/app/app.jar", "lib/logback-core-1.4.11.jar"},
				{"/app/lib/jackson-databind-2.15.2.jar", File, "/app/app.jar", "lib/jackson-databind-2.15.2.jar"},
			},
		},
		{
			name: "URLs: file: forms and escapes, not http",
			jar:  "/app/app.jar", mf: testdata(t, "java", "urls.MF"),
			want: []javaFound{
				{"/opt/shared/common.jar", File, "/app/app.jar", "file:/opt/shared/common.jar"},
				{"/app/extra/local.jar", File, "/app/app.jar", "file:extra/local.jar"},
				{"/app/lib/with space.jar", File, "/app/app.jar", "lib/with%20space.jar"},
			},
		},
		{
			name: "an agent's Boot-Class-Path",
			jar:  "/opt/agent.jar", mf: testdata(t, "java", "agent.MF"),
			want: []javaFound{{"/opt/agent-bootstrap.jar", File, "/opt/agent.jar", "agent-bootstrap.jar"}},
		},
		{
			name: "a Class-Path outside the main section",
			jar:  "/app/app.jar", mf: testdata(t, "java", "sections.MF"),
		},
		{
			name: "a classes directory, the image's root refused",
			jar:  "/app/app.jar", mf: []byte("Manifest-Version: 1.0\nClass-Path: classes/ ../ / root/\n"),
			want: []javaFound{{"/app/classes", Tree, "/app/app.jar", "classes/"}},
		},
		{name: "no manifest", jar: "/app/app.jar"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !j.Claims(tc.jar, nil) {
				t.Fatalf("%s not claimed", tc.jar)
			}
			found, err := j.Reach(tc.jar, javaTestJar(t, tc.mf))
			if err != nil {
				t.Fatal(err)
			}
			if got := javaFounds(found); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Reach:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestJavaBadJar(t *testing.T) {
	j := newJava(&Image{FS: fstest.MapFS{}})
	for _, src := range [][]byte{nil, []byte("PK\x03\x04 not really"), []byte("#!/bin/sh\nexec java\n")} {
		if _, err := j.Reach("/app/bad.jar", src); err == nil || !strings.Contains(err.Error(), "/app/bad.jar") {
			t.Errorf("Reach(%q) = %v, want an error naming the jar", src, err)
		}
	}
	for p, want := range map[string]bool{"/app/a.jar": true, "/app/A.JAR": true, "/app/a.zip": false, "/app/jar": false} {
		if got := j.Claims(p, nil); got != want {
			t.Errorf("Claims(%s) = %v", p, got)
		}
	}
}

func FuzzJarManifest(f *testing.F) {
	for _, name := range []string{"maven.MF", "urls.MF", "agent.MF", "sections.MF"} {
		f.Add(testdata(f, "java", name))
	}
	f.Add([]byte("Class-Path: a.jar\n b.jar\r\n c/"))
	tree := javaTestFS(f)
	j := newJava(&Image{FS: tree})
	f.Fuzz(func(t *testing.T, data []byte) {
		if !reflect.DeepEqual(manifestAttrs(data), manifestAttrs(data)) {
			t.Fatal("manifestAttrs is not deterministic")
		}
		jar := javaTestJar(t, data)
		a, errA := j.Reach("/app/app.jar", jar)
		b, errB := j.Reach("/app/app.jar", jar)
		if errA != nil || errB != nil {
			t.Fatalf("a jar with this manifest does not read: %v", errA)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatal("Reach is not deterministic")
		}
		for _, f := range a {
			if isSystemDir(f.Path) || !strings.HasPrefix(f.Path, "/") {
				t.Fatalf("Reach returned %s", f.Path)
			}
		}
		// The raw bytes as a jar: an error, never a panic.
		j.Reach("/app/raw.jar", data)
	})
}
