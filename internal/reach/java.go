package reach

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/why"
)

// A JVM opens a jar or a class directory only when it first loads a
// class from it, so a trace that did not load every class misses jars
// the program needs later. The class path names them all: the command
// line's (-cp, -jar, a javaagent, @argfiles as Jib writes them), the
// environment's, and each jar's manifest Class-Path.

// newJava reads Java class paths.
func newJava(img *Image) Language { return &java{img: img} }

type java struct{ img *Image }

// maxArgFile bounds an @argfile read from the image.
const maxArgFile = 1 << 20

// maxManifest bounds the manifest read from a jar, so that a
// compression bomb costs nothing.
const maxManifest = 1 << 20

// Claims reports jars.
func (j *java) Claims(p string, head []byte) bool { return strings.EqualFold(path.Ext(p), ".jar") }

// Reach returns the Class-Path (and an agent's Boot-Class-Path) entries
// of the jar p's manifest that exist: paths relative to the jar's
// directory, written as URLs (only relative and file: ones name a file).
func (j *java) Reach(p string, src []byte) ([]Found, error) {
	attrs, err := jarManifest(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	var out []Found
	seen := map[string]bool{}
	for _, name := range []string{"class-path", "boot-class-path"} {
		for _, e := range strings.Fields(attrs[name]) {
			rel, ok := manifestEntryPath(e)
			if !ok {
				continue
			}
			abs := path.Join(path.Dir(path.Clean(p)), rel)
			if path.IsAbs(rel) {
				abs = path.Clean(rel)
			}
			if as, ok := wholeOrFile(j.img.FS, abs); ok && !seen[abs] {
				seen[abs] = true
				out = append(out, Found{Path: abs, As: as, Reason: why.Reason{Kind: why.ClassPath, By: p, Detail: e}})
			}
		}
	}
	return out, nil
}

// manifestEntryPath is the path a Class-Path URL names, unescaped; false
// for a URL of another scheme or host (a jar fetched over HTTP is not in
// the image).
func manifestEntryPath(e string) (string, bool) {
	u, err := url.Parse(e)
	if err != nil {
		return "", false
	}
	switch {
	case u.Scheme == "":
		return u.Path, u.Path != ""
	case strings.EqualFold(u.Scheme, "file") && (u.Host == "" || u.Host == "localhost"):
		if u.Opaque != "" { // file:lib/x.jar
			p, err := url.PathUnescape(u.Opaque)
			return p, err == nil && p != ""
		}
		return u.Path, u.Path != ""
	}
	return "", false
}

// jarManifest returns the main attributes of the jar's manifest, names
// lowered; none when it has no manifest. A manifest's lines are at most
// 72 bytes: a longer value goes on in lines that start with a space.
func jarManifest(src []byte) (map[string]string, error) {
	zr, err := zip.NewReader(bytes.NewReader(src), int64(len(src)))
	if err != nil && !(errors.Is(err, zip.ErrInsecurePath) && zr != nil) {
		return nil, fmt.Errorf("not a jar: %w", err)
	}
	for _, f := range zr.File {
		if !strings.EqualFold(f.Name, "META-INF/MANIFEST.MF") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", f.Name, err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, maxManifest))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", f.Name, err)
		}
		return manifestAttrs(b), nil
	}
	return nil, nil
}

// manifestAttrs parses the main section of a manifest, the lines before
// the first empty one.
func manifestAttrs(b []byte) map[string]string {
	attrs := map[string]string{}
	text := strings.ReplaceAll(strings.ReplaceAll(string(b), "\r\n", "\n"), "\r", "\n")
	name := ""
	for _, l := range strings.Split(text, "\n") {
		switch {
		case l == "":
			return attrs
		case l[0] == ' ':
			if name != "" {
				attrs[name] += l[1:]
			}
		default:
			k, v, ok := strings.Cut(l, ":")
			if !ok {
				name = ""
				continue
			}
			name = strings.ToLower(strings.TrimSpace(k))
			attrs[name] = strings.TrimPrefix(v, " ")
		}
	}
	return attrs
}

// javaArg is one argument of the java launcher, and where it was read:
// the command line, an environment variable, an @argfile's path.
type javaArg struct{ s, by string }

// javaCmdLine is the By of what the image's command line names.
const javaCmdLine = "the command line"

// javaTakesArg are the launcher's options whose value is the next
// argument, which is therefore not the main class.
var javaTakesArg = map[string]bool{
	"--add-modules": true, "--limit-modules": true, "--add-reads": true, "--add-exports": true,
	"--add-opens": true, "--patch-module": true, "--enable-native-access": true, "--source": true,
}

// Roots returns the class path of the image's java command line (its
// -cp, or CLASSPATH when it has none, or the -jar's jar alone, as java
// takes it), its module path, and its -javaagent jars, JDK_JAVA_OPTIONS
// read first as the launcher does. When the command is not java (a
// script starts it), CLASSPATH and the options in the environment still
// name what the image's JVMs will load.
func (j *java) Roots() []Found {
	var args []javaArg
	if v, ok := Getenv(j.img.Env, "JDK_JAVA_OPTIONS"); ok {
		for _, s := range strings.Fields(v) {
			args = append(args, javaArg{s, "JDK_JAVA_OPTIONS"})
		}
	}
	if v, ok := Getenv(j.img.Env, "JAVA_TOOL_OPTIONS"); ok {
		for _, s := range strings.Fields(v) {
			if strings.HasPrefix(s, "-javaagent:") {
				args = append(args, javaArg{s, "JAVA_TOOL_OPTIONS"})
			}
		}
	}
	for _, s := range javaCommand(j.img.Argv) {
		if file, ok := strings.CutPrefix(s, "@"); ok && !strings.HasPrefix(file, "@") {
			args = append(args, j.argFile(file)...)
			continue
		}
		args = append(args, javaArg{strings.TrimPrefix(s, "@"), javaCmdLine})
	}
	var out []Found
	var cp *javaArg
	jar := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		value := func() (javaArg, bool) {
			if i+1 < len(args) {
				i++
				return args[i], true
			}
			return javaArg{}, false
		}
		switch s := a.s; {
		case s == "-cp" || s == "-classpath" || s == "--class-path":
			if v, ok := value(); ok {
				cp = &v
			}
		case strings.HasPrefix(s, "--class-path="):
			cp = &javaArg{strings.TrimPrefix(s, "--class-path="), a.by}
		case s == "-p" || s == "--module-path" || s == "--upgrade-module-path":
			if v, ok := value(); ok {
				out = append(out, j.classPath(v)...)
			}
		case strings.HasPrefix(s, "--module-path=") || strings.HasPrefix(s, "--upgrade-module-path="):
			_, v, _ := strings.Cut(s, "=")
			out = append(out, j.classPath(javaArg{v, a.by})...)
		case strings.HasPrefix(s, "-javaagent:"):
			v, _, _ := strings.Cut(strings.TrimPrefix(s, "-javaagent:"), "=")
			out = append(out, j.classPath(javaArg{v, a.by})...)
		case s == "-jar":
			if v, ok := value(); ok {
				out = append(out, j.classPath(v)...)
			}
			jar = true
			i = len(args)
		case s == "-m" || s == "--module" || strings.HasPrefix(s, "--module="):
			i = len(args)
		case javaTakesArg[s]:
			i++
		case strings.HasPrefix(s, "-"):
		case a.by == javaCmdLine || strings.HasPrefix(a.by, "/"):
			// The main class (the launcher refuses one in
			// JDK_JAVA_OPTIONS): the rest are its arguments.
			i = len(args)
		}
	}
	switch v, ok := Getenv(j.img.Env, "CLASSPATH"); {
	case jar:
	case cp != nil:
		out = append(out, j.classPath(*cp)...)
	case ok:
		out = append(out, j.classPath(javaArg{v, "CLASSPATH"})...)
	}
	seen := map[string]bool{}
	uniq := out[:0]
	for _, f := range out {
		if !seen[f.Path] {
			seen[f.Path] = true
			uniq = append(uniq, f)
		}
	}
	return uniq
}

// classPath returns what the entries of a class path name, relative to
// the WORKDIR: a jar, a directory whole, or, for dir/*, every jar in dir.
func (j *java) classPath(a javaArg) []Found {
	var out []Found
	for _, e := range strings.Split(a.s, ":") {
		if e == "" {
			continue
		}
		r := why.Reason{Kind: why.ClassPath, By: a.by, Detail: e}
		if e == "*" || strings.HasSuffix(e, "/*") {
			dir := j.abs(strings.TrimSuffix(e, "*"))
			for _, name := range readDir(j.img.FS, dir) {
				if p := path.Join(dir, name); strings.EqualFold(path.Ext(name), ".jar") && isFile(j.img.FS, p) {
					out = append(out, Found{Path: p, As: File, Reason: r})
				}
			}
			continue
		}
		p := j.abs(e)
		if as, ok := wholeOrFile(j.img.FS, p); ok {
			out = append(out, Found{Path: p, As: as, Reason: r})
		}
	}
	return out
}

func (j *java) abs(p string) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	return path.Join("/", j.img.WorkingDir, p)
}

// javaCommand returns the arguments of the java command in argv: after
// an argument that is java (a wrapper may come first: tini --, an
// entrypoint that execs "$@"), or after the word java in an argument
// that is a shell command line (sh -c "exec java -jar app.jar"), up to
// the shell's next operator. Nil when argv runs no java.
func javaCommand(argv []string) []string {
	isJava := func(s string) bool {
		return s == "java" || strings.HasSuffix(s, "/java") && !strings.HasPrefix(s, "-") && !strings.Contains(s, "=")
	}
	for i, a := range argv {
		if isJava(a) {
			return argv[i+1:]
		}
		if !strings.ContainsAny(a, " \t\n") {
			continue
		}
		words := strings.Fields(a)
		for k, w := range words {
			if !isJava(w) {
				continue
			}
			var out []string
			for _, w := range words[k+1:] {
				if w == "&&" || w == "||" || w == ";" || w == "|" || w == "&" {
					break
				}
				out = append(out, strings.Trim(w, `"'`))
			}
			return out
		}
	}
	return nil
}

// argFile reads the java @argfile name (relative to the WORKDIR), split
// as the launcher does: blanks separate, quotes group, # starts a
// comment. A missing file is nothing.
func (j *java) argFile(name string) []javaArg {
	p := j.abs(name)
	b, err := rootfs.ReadFile(j.img.FS, p)
	if err != nil || len(b) > maxArgFile {
		return nil
	}
	var out []javaArg
	var w strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0 && c == '\\' && i+1 < len(b):
			i++
			w.WriteByte(b[i])
		case quote != 0:
			w.WriteByte(c)
		case c == '"' || c == '\'':
			quote, inWord = c, true
		case c == '#' && !inWord:
			for i < len(b) && b[i] != '\n' {
				i++
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			if inWord {
				out = append(out, javaArg{w.String(), p})
				w.Reset()
				inWord = false
			}
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		out = append(out, javaArg{w.String(), p})
	}
	return out
}
