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

// plTestFS is a Debian-shaped perl tree, with a module for every name
// the tests must not find (Not::...), so that a false find shows.
func plTestFS() fstest.MapFS {
	m := fstest.MapFS{
		"usr/share/perl/5.36":                                      {Mode: fs.ModeSymlink, Data: []byte("5.36.0")},
		"usr/lib/x86_64-linux-gnu/perl/5.36":                       {Mode: fs.ModeSymlink, Data: []byte("5.36.0")},
		"usr/lib/x86_64-linux-gnu/perl/cross":                      {Mode: fs.ModeDir},
		"usr/lib/x86_64-linux-gnu/perl/5.36.0/auto/POSIX/POSIX.so": {Mode: 0o755},
		"usr/share/perl/5.36.0/auto/Auto/Split/autosplit.ix":       {},
		"usr/share/perl/5.36.0/auto/Auto/Split/load.al":            {},
		"usr/share/perl/5.36.0/auto/Auto/Split/README":             {},
		"usr/share/perl5/config.pl":                                {},
		"app/lib/My/Mod.pm":                                        {Data: []byte("package My::Mod;\nuse My::Other;\n1;\n")},
	}
	mods := map[string]string{
		"usr/lib/x86_64-linux-gnu/perl-base":   "strict warnings parent base if lib constant",
		"usr/lib/x86_64-linux-gnu/perl/5.36.0": "POSIX",
		"usr/share/perl/5.36.0":                "JSON::PP FindBin Auto::Split",
		"usr/share/perl5": `Foo::Bar Foo::Parent Foo::Base Foo::Base2 Foo::If Foo::AfterDivision Foo::AfterHeredoc
			Foo::InSub Foo::Eval Foo::StringEval Foo::File Foo::Auto
			Not::Str Not::Str2 Not::Q Not::Qw Not::Subst Not::Subst2 Not::Match Not::Comment Not::Heredoc1
			Not::Heredoc2 Not::Heredoc3 Not::Pod Not::Format Not::End Not::Hash Not::Method`,
		"app/lib":                    "My::Other",
		"app/lib2":                   "My::Two",
		"opt/perl/lib":               "Opt::Shebang",
		"opt/perl5lib":               "Env::Lib",
		"srv/app/lib":                "Rel::Lib",
		"usr/local/lib/perl5/5.40.0": "Official",
		"usr/local/lib/perl5/5.40.0/x86_64-linux-gnu": "Official::XS",
		"usr/share/perl5/core_perl":                   "Alpine",
	}
	for dir, names := range mods {
		for _, n := range strings.Fields(names) {
			m[dir+"/"+strings.ReplaceAll(n, "::", "/")+".pm"] = &fstest.MapFile{Data: []byte("package " + n + ";\n1;\n")}
		}
	}
	return m
}

func TestPerlModules(t *testing.T) {
	const share, base, arch, p5 = "file /usr/share/perl/5.36/", "file /usr/lib/x86_64-linux-gnu/perl-base/", "/usr/lib/x86_64-linux-gnu/perl/5.36/", "file /usr/share/perl5/"
	tests := []struct {
		name string
		src  string
		env  []string
		wd   string
		want []string
	}{
		{"use", "use strict; use JSON::PP qw(decode_json);\nuse Foo::Bar 1.2 ();\n", nil, "",
			[]string{p5 + "Foo/Bar.pm", share + "JSON/PP.pm", base + "strict.pm"}},
		{"no", "no warnings 'once';\n", nil, "", []string{base + "warnings.pm"}},
		{"versions", "use 5.010;\nuse v5.36;\nuse 5.010_001;\nrequire 5.006;\nrequire v5.10.1;\n", nil, "", nil},
		{"require", "require Foo::Bar;\nrequire \"Foo/File.pm\";\ndo 'config.pl';\nrequire $x;\n", nil, "",
			[]string{p5 + "Foo/Bar.pm", p5 + "Foo/File.pm", p5 + "config.pl"}},
		{"parent and base", "use parent -norequire, 'Foo::Parent';\nuse base qw(Foo::Base Foo::Base2);\n", nil, "",
			[]string{p5 + "Foo/Base.pm", p5 + "Foo/Base2.pm", p5 + "Foo/Parent.pm", base + "base.pm", base + "parent.pm"}},
		{"use if", "use if $] >= 5.010, 'Foo::If' => qw(a);\nuse if ($^O eq 'linux'), Foo::Bar;\n", nil, "",
			[]string{p5 + "Foo/Bar.pm", p5 + "Foo/If.pm", base + "if.pm"}},
		{"require in a sub on an option", "sub pack {\n my %o = @_;\n if ($o{gzip}) {\n  require Foo::InSub;\n  Foo::InSub->import;\n }\n}\n", nil, "",
			[]string{p5 + "Foo/InSub.pm"}},
		{"eval", "my $ok = eval { require Foo::Eval; 1 };\neval \"require Foo::StringEval; 1\" or die;\neval \"use $mod; 1\";\n", nil, "",
			[]string{p5 + "Foo/Eval.pm", p5 + "Foo/StringEval.pm"}},
		{"pod", "=head1 NAME\n\nuse Not::Pod;\n\n=cut\n\nuse strict;\n", nil, "", []string{base + "strict.pm"}},
		{"heredocs", "print <<'A', <<\"B\", <<C;\nuse Not::Heredoc1;\nA\nuse Not::Heredoc2;\nB\nuse Not::Heredoc3;\nC\nmy $y = <<~EOT;\n  use Not::Str;\n  EOT\nuse strict;\n",
			nil, "", []string{base + "strict.pm"}},
		{"comments and strings", "# use Not::Comment;\nmy $s = 'use Not::Str;'; my $t = \"require Not::Str2\";\nmy @w = qw(use Not::Qw);\nmy $q = q{ use Not::Q; };\n",
			nil, "", nil},
		{"hash keys and methods", "my %h = (use => 1);\n$h{require};\n$obj->require('Not::Method');\n", nil, "", nil},
		{"regexes", "$x =~ s{use Not::Subst}{require Not::Subst2}g;\n$x =~ m/use Not::Match/;\nmy $n = -s $f;\nmy $h = $n / 2; use Foo::Bar;\nmy %s = (a => 1); my %m = (b => 2); use Foo::If;\n",
			nil, "", []string{p5 + "Foo/Bar.pm", p5 + "Foo/If.pm"}},
		{"end", "use strict;\n1;\n__END__\nuse Not::End;\n", nil, "", []string{base + "strict.pm"}},
		{"XS", "use POSIX ();\n", nil, "", []string{"file " + arch + "POSIX.pm", "program " + arch + "auto/POSIX/POSIX.so"}},
		{"autosplit", "use Auto::Split;\n", nil, "",
			[]string{share + "Auto/Split.pm", share + "auto/Auto/Split/autosplit.ix", share + "auto/Auto/Split/load.al"}},
		{"use lib", "use lib '/app/lib', qw(/app/lib2);\nuse My::Other;\nuse My::Two;\n", nil, "",
			[]string{"file /app/lib/My/Other.pm", "file /app/lib2/My/Two.pm", base + "lib.pm"}},
		{"use lib FindBin", "use FindBin;\nuse lib \"$FindBin::Bin/../lib\";\nuse My::Other;\n", nil, "",
			[]string{"file /app/lib/My/Other.pm", share + "FindBin.pm", base + "lib.pm"}},
		{"use lib FindBin joined", "use FindBin qw($Bin);\nuse lib $FindBin::RealBin . '/../lib';\nuse My::Other;\n", nil, "",
			[]string{"file /app/lib/My/Other.pm", share + "FindBin.pm", base + "lib.pm"}},
		{"use lib relative", "use lib 'lib';\nuse Rel::Lib;\n", nil, "/srv/app", []string{"file /srv/app/lib/Rel/Lib.pm", base + "lib.pm"}},
		{"shebang -I", "#!/usr/bin/perl -w -I/opt/perl/lib\nuse Opt::Shebang;\n", nil, "", []string{"file /opt/perl/lib/Opt/Shebang.pm"}},
		{"PERL5LIB", "use Env::Lib;\n", []string{"PERL5LIB=/opt/perl5lib:relative"}, "", []string{"file /opt/perl5lib/Env/Lib.pm"}},
		{"official and alpine trees", "use Official; use Official::XS; use Alpine;\n", nil, "", []string{
			"file /usr/local/lib/perl5/5.40.0/Official.pm", "file /usr/local/lib/perl5/5.40.0/x86_64-linux-gnu/Official/XS.pm",
			"file /usr/share/perl5/core_perl/Alpine.pm"}},
		{"moose and loaders", "use Moose;\nextends 'Foo::Parent';\nwith qw(Foo::Base);\nrequire_module('Foo::Bar');\nClass::Load::load_class(\"Foo::If\");\n", nil, "",
			[]string{p5 + "Foo/Bar.pm", p5 + "Foo/Base.pm", p5 + "Foo/If.pm", p5 + "Foo/Parent.pm"}},
		{"not found", "use No::Such;\nrequire No::Such2;\n", nil, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl := newPerl(&Image{FS: plTestFS(), Env: tt.env, WorkingDir: tt.wd})
			found, err := pl.Reach("/app/bin/x.pl", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			checkFinds(t, found, tt.want)
		})
	}
}

func TestPerlReasons(t *testing.T) {
	found, err := newPerl(&Image{FS: plTestFS()}).Reach("/x.pl", []byte("use POSIX;\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := why.Reason{Kind: why.Use, By: "/x.pl", Detail: "POSIX"}
	want := []Found{
		{Path: "/usr/lib/x86_64-linux-gnu/perl/5.36/POSIX.pm", As: File, Reason: r},
		{Path: "/usr/lib/x86_64-linux-gnu/perl/5.36/auto/POSIX/POSIX.so", As: Program, Reason: r},
	}
	if !reflect.DeepEqual(found, want) {
		t.Errorf("found %+v, want %+v", found, want)
	}
}

// TestPerlPackageRoot finds a module's siblings from the root its
// package declaration places it in, without the script's use lib.
func TestPerlPackageRoot(t *testing.T) {
	fsys := plTestFS()
	found, err := newPerl(&Image{FS: fsys}).Reach("/app/lib/My/Mod.pm", fsys["app/lib/My/Mod.pm"].Data)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := foundList(found), []string{"file /app/lib/My/Other.pm"}; !reflect.DeepEqual(got, want) {
		t.Errorf("found %q, want %q", got, want)
	}
}

// TestPerlTestdata reads a script written to hold every form at once,
// and the real modules of testdata/perl.
func TestPerlTestdata(t *testing.T) {
	pl := newPerl(&Image{FS: plTestFS()})
	found, err := pl.Reach("/app/bin/tricky.pl", testdata(t, "perl", "tricky.pl"))
	if err != nil {
		t.Fatal(err)
	}
	got := foundList(found)
	for _, f := range got {
		if strings.Contains(f, "/Not/") {
			t.Errorf("found %s, which the script names only in a string, comment, POD, heredoc or format", f)
		}
	}
	for _, m := range strings.Fields(`Foo::Parent Foo::Base Foo::Base2 Foo::If Foo::AfterDivision Foo::AfterHeredoc
		Foo::InSub Foo::Eval Foo::StringEval Foo::File`) {
		if !slices.Contains(got, "file /usr/share/perl5/"+strings.ReplaceAll(m, "::", "/")+".pm") {
			t.Errorf("%s not found in %q", m, got)
		}
	}
	for _, f := range []string{"file /usr/share/perl5/config.pl", "file /usr/share/perl/5.36/FindBin.pm",
		"program /usr/lib/x86_64-linux-gnu/perl/5.36/auto/POSIX/POSIX.so", "file /usr/lib/x86_64-linux-gnu/perl-base/strict.pm"} {
		if !slices.Contains(got, f) {
			t.Errorf("%s not found in %q", f, got)
		}
	}
	readsAll(t, pl, "perl", "/usr/share/perl/5.36/")
}

// TestPerlDebian finds modules in a real Debian tree with perl
// installed, @INC read from the tree alone.
func TestPerlDebian(t *testing.T) {
	fsys, err := rootfs.Dir(testenv.CorpusTree(t, "perl"))
	if err != nil {
		t.Fatal(err)
	}
	found, err := newPerl(&Image{FS: fsys}).Reach("/app/app.pl", []byte("#!/usr/bin/perl\nuse strict;\nuse JSON::PP;\nuse POSIX;\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := foundList(found)
	for _, f := range []string{"file /usr/share/perl/5.36/JSON/PP.pm", "file /usr/lib/x86_64-linux-gnu/perl-base/strict.pm"} {
		if !slices.Contains(got, f) {
			t.Errorf("%s not found in %q", f, got)
		}
	}
	// perl-base ships POSIX in bookworm, perl in other releases
	if !slices.ContainsFunc(got, func(f string) bool {
		return strings.HasPrefix(f, "program /usr/lib/x86_64-linux-gnu/perl") && strings.HasSuffix(f, "/auto/POSIX/POSIX.so")
	}) {
		t.Errorf("POSIX.so not found in %q", got)
	}
}

func FuzzPerlModules(f *testing.F) {
	addSeeds(f, "perl")
	for _, s := range []string{"s{a}\n{b}e; q", "print <<~", "=pod\n", "$#{", "use if (", "eval eval \"eval 'use POSIX'\"", "format =\n", "y"} {
		f.Add([]byte(s))
	}
	// one language for the image, as a run has: @INC is read once
	pl := newPerl(&Image{FS: plTestFS(), WorkingDir: "/app"})
	f.Fuzz(func(t *testing.T, src []byte) {
		// Perl's reader is best effort: it never refuses a file.
		if _, err := reachTwice(t, pl, "/app/lib/X.pm", src); err != nil {
			t.Fatalf("error: %v", err)
		}
	})
}

// TestPerlLibraryRequires follows the application's require statements
// but not those of perl's own library, whose code loads them when it
// runs; use statements are followed in both.
func TestPerlLibraryRequires(t *testing.T) {
	const lib = "usr/share/perl/5.36/"
	fsys := fstest.MapFS{
		lib + "JSON/PP.pm":        {Data: []byte("package JSON::PP;\nuse Carp ();\nsub big { require Math::BigInt; }\nBEGIN { require B; }\nrequire XSLoader;\n")},
		lib + "B.pm":              {Data: []byte("package B;\n")},
		lib + "XSLoader.pm":       {Data: []byte("package XSLoader;\n")},
		lib + "Carp.pm":           {Data: []byte("package Carp;\n")},
		lib + "Math/BigInt.pm":    {Data: []byte("package Math::BigInt;\n")},
		"usr/local/bin/inventory": {Data: []byte("#!/usr/bin/perl\nif ($json) { require JSON::PP; }\nrequire Math::BigInt if $big;\n")},
	}
	pl := newPerl(&Image{FS: fsys})
	paths := func(p string) []string {
		found, err := pl.Reach(p, fsys[p[1:]].Data)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range found {
			out = append(out, f.Path)
		}
		return out
	}
	if got, want := paths("/usr/local/bin/inventory"), []string{"/" + lib + "JSON/PP.pm", "/" + lib + "Math/BigInt.pm"}; !reflect.DeepEqual(got, want) {
		t.Errorf("the script reaches %q, want %q", got, want)
	}
	if got, want := paths("/"+lib+"JSON/PP.pm"), []string{"/" + lib + "Carp.pm", "/" + lib + "B.pm", "/" + lib + "XSLoader.pm"}; !reflect.DeepEqual(got, want) {
		t.Errorf("JSON::PP reaches %q, want %q (not its require of Math::BigInt)", got, want)
	}
}
