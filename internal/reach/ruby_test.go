package reach

import (
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dietimg/diet/internal/why"
)

// rbTestFS is a Debian-shaped ruby tree with gems, the official image's
// /usr/local ruby beside it, and a library for every name the tests must
// not find (not_...), so that a false find shows.
func rbTestFS() fstest.MapFS {
	m := fstest.MapFS{
		"usr/lib/ruby/3.1.0":                                {Mode: fs.ModeDir},
		"usr/lib/x86_64-linux-gnu/ruby/3.1.0/etc.so":        {Mode: 0o755},
		"usr/local/lib/ruby/3.3.0/x86_64-linux/ripper.so":   {Mode: 0o755},
		"usr/local/bundle/gems/puma-6.4.0/lib/puma/http.so": {Mode: 0o755},
		"app/tasks.rb":                 {},
		"app/lib/helper.rb":            {},
		"app/config/environment.rb":    {},
		"app/config.yml":               {},
		"app/bin/helper.rb":            {},
		"app/lib/x/y.rb":               {},
		"opt/rubylib/envlib.rb":        {},
		"srv/gems/gems/envgem-1.0/lib": {Mode: fs.ModeDir},
	}
	libs := map[string]string{
		"usr/lib/ruby/3.1.0": "json set csv not_comment not_begin not_words not_q not_regex not_heredoc not_end " +
			"not_str not_interp not_method not_sym plugins/x",
		"usr/lib/ruby/vendor_ruby":                              "vendor",
		"var/lib/gems/3.1.0/gems/sinatra-2.10.0/lib":            "sinatra",
		"var/lib/gems/3.1.0/gems/sinatra-2.9.1/lib":             "sinatra",
		"usr/share/rubygems-integration/all/gems/rake-13.0/lib": "rake",
		"usr/local/bundle/gems/puma-6.4.0/lib":                  "puma",
		"usr/local/lib/ruby/3.3.0":                              "official",
		"app/vendor/bundle/ruby/3.1.0/gems/vendored-0.1/lib":    "vendored",
		"opt/rubylib":                  "json",
		"srv/gems/gems/envgem-1.0/lib": "envgem",
	}
	for dir, names := range libs {
		for _, n := range strings.Fields(names) {
			m[dir+"/"+n+".rb"] = &fstest.MapFile{Data: []byte("# " + n + "\n")}
		}
	}
	return m
}

func TestRubyRequires(t *testing.T) {
	const lib = "file /usr/lib/ruby/3.1.0/"
	tests := []struct {
		name string
		src  string
		env  []string
		want []string
	}{
		{"require forms", "require 'json'\nrequire \"set\"\nrequire('csv')\nrequire 'set.rb'\n", nil,
			[]string{lib + "csv.rb", lib + "json.rb", lib + "set.rb"}},
		{"require_relative", "require_relative 'helper'\nrequire_relative '../lib/x/y.rb'\n", nil,
			[]string{"file /app/bin/helper.rb", "file /app/lib/x/y.rb"}},
		{"load", "load 'tasks.rb'\nload('/app/config.yml')\n", nil, []string{"file /app/config.yml", "file /app/tasks.rb"}},
		{"autoload", "module M\n  autoload :Json, 'json'\n  M.autoload(:Set, \"set\")\nend\n", nil, []string{lib + "json.rb", lib + "set.rb"}},
		{"in methods and conditions", "def a\n  require 'json' if x\nend\nbegin\n  require 'csv'\nrescue LoadError\nend\n", nil,
			[]string{lib + "csv.rb", lib + "json.rb"}},
		{"built from the file's directory", "require File.expand_path('../lib/helper', __dir__)\n" +
			"require File.expand_path(\"../../config/environment\", __FILE__)\nrequire File.join(File.dirname(__FILE__), 'helper')\n" +
			"require File.dirname(__FILE__) + '/../lib/x/y'\n", nil,
			[]string{"file /app/bin/helper.rb", "file /app/config/environment.rb", "file /app/lib/helper.rb", "file /app/lib/x/y.rb"}},
		{"comment", "# require 'not_comment'\nx = 1 # require 'not_comment'\n", nil, nil},
		{"strings", "s = \"require 'not_str'\"\nt = 'require \"not_str\"'\nu = %q(require 'not_str')\nv = %w[require not_str]\n", nil, nil},
		{"interpolated", "require \"plugins/#{name}\"\nrequire \"not_#@x\"\nrequire 'not_' + x\nrequire \"not_%s\" % x\n", nil, nil},
		{"heredocs", "x = <<~EOS\n  require 'not_heredoc'\n  EOS\ny = foo(<<-A, <<'B')\nrequire 'not_heredoc'\n  A\nrequire 'not_heredoc'\nB\nrequire 'json'\n", nil,
			[]string{lib + "json.rb"}},
		{"begin block", "=begin\nrequire 'not_begin'\n=end\nrequire 'csv'\n", nil, []string{lib + "csv.rb"}},
		{"end", "require 'set'\n__END__\nrequire 'not_end'\n", nil, []string{lib + "set.rb"}},
		{"regex and division", "x = y / 2; require 'json'\nz = a.match(/require 'not_regex'/)\nw = %r{require 'not_regex'}\nv = (n / m) / 2; require 'csv'\n", nil,
			[]string{lib + "csv.rb", lib + "json.rb"}},
		{"methods and symbols", "obj.require 'not_method'\ndef require(x) = x\nh = { require: 'not_sym' }\nsend(:require, 'not_sym')\n", nil, nil},
		{"punctuation globals", "$: << 'lib'\nputs $\"\nrequire 'json'\n", nil, []string{lib + "json.rb"}},
		{"C extension", "require 'etc'\nrequire 'ripper'\nrequire 'puma/http'\n", nil, []string{
			"program /usr/lib/x86_64-linux-gnu/ruby/3.1.0/etc.so", "program /usr/local/bundle/gems/puma-6.4.0/lib/puma/http.so",
			"program /usr/local/lib/ruby/3.3.0/x86_64-linux/ripper.so"}},
		{"gems", "require 'sinatra'\nrequire 'rake'\nrequire 'puma'\nrequire 'vendored'\nrequire 'official'\nrequire 'vendor'\n", nil, []string{
			"file /app/vendor/bundle/ruby/3.1.0/gems/vendored-0.1/lib/vendored.rb", "file /usr/lib/ruby/vendor_ruby/vendor.rb",
			"file /usr/local/bundle/gems/puma-6.4.0/lib/puma.rb", "file /usr/local/lib/ruby/3.3.0/official.rb",
			"file /usr/share/rubygems-integration/all/gems/rake-13.0/lib/rake.rb", "file /var/lib/gems/3.1.0/gems/sinatra-2.10.0/lib/sinatra.rb"}},
		{"RUBYLIB first", "require 'json'\nrequire 'envlib'\n", []string{"RUBYLIB=/opt/rubylib:relative"},
			[]string{"file /opt/rubylib/envlib.rb", "file /opt/rubylib/json.rb"}},
		{"GEM_HOME", "require 'envgem'\n", []string{"GEM_HOME=/srv/gems"}, []string{"file /srv/gems/gems/envgem-1.0/lib/envgem.rb"}},
		{"not found", "require 'no_such'\nrequire_relative 'nowhere'\nload 'none.rb'\n", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rb := newRuby(&Image{FS: rbTestFS(), Env: tt.env, WorkingDir: "/app"})
			found, err := rb.Reach("/app/bin/server.rb", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			checkFinds(t, found, tt.want)
		})
	}
}

func TestRubyReasons(t *testing.T) {
	found, err := newRuby(&Image{FS: rbTestFS()}).Reach("/x.rb", []byte("require 'etc'\nrequire 'json'\nrequire 'etc'\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Found{
		{Path: "/usr/lib/x86_64-linux-gnu/ruby/3.1.0/etc.so", As: Program, Reason: why.Reason{Kind: why.Require, By: "/x.rb", Detail: "etc"}},
		{Path: "/usr/lib/ruby/3.1.0/json.rb", As: File, Reason: why.Reason{Kind: why.Require, By: "/x.rb", Detail: "json"}},
	}
	if !reflect.DeepEqual(found, want) {
		t.Errorf("found %+v, want %+v", found, want)
	}
}

func TestRubyClaims(t *testing.T) {
	rb := newRuby(&Image{FS: fstest.MapFS{}})
	for _, tt := range []struct {
		p, head string
		want    bool
	}{
		{"/app/app.rb", "", true},
		{"/usr/bin/bundle", "#!/usr/bin/ruby3.1\n", true},
		{"/usr/local/bin/rake", "#!/usr/bin/env ruby\n", true},
		{"/usr/bin/x", "#!/bin/sh\n", false},
		{"/app/Gemfile", "source 'https://rubygems.org'\n", false},
	} {
		if got := rb.Claims(tt.p, []byte(tt.head)); got != tt.want {
			t.Errorf("Claims(%s) = %v, want %v", tt.p, got, tt.want)
		}
	}
}

// TestRubyErrors fails on what never ends, naming the line; a guessed
// heredoc or literal that never ends is an operator instead.
func TestRubyErrors(t *testing.T) {
	rb := newRuby(&Image{FS: rbTestFS()})
	for _, tt := range []struct{ src, want string }{
		{"x = 1\ny = <<~EOS\n  text\n", "line 2: unterminated heredoc <<EOS"},
		{"a = 'x\n", "line 1: unterminated string"},
		{"\n\nputs \"a #{b} \n", "line 3: unterminated string"},
		{"=begin\nrequire 'x'\n", "line 1: unterminated =begin"},
	} {
		if _, err := rb.Reach("/x.rb", []byte(tt.src)); err == nil || err.Error() != tt.want {
			t.Errorf("%q: error %v, want %s", tt.src, err, tt.want)
		}
	}
	for _, src := range []string{"list <<ITEM\nrequire 'json'\n", "x = a % b\nrequire 'json'\n", "r = a /b\nrequire 'json'\n"} {
		found, err := rb.Reach("/x.rb", []byte(src))
		if err != nil || len(found) != 1 {
			t.Errorf("%q: found %v, error %v; want json.rb", src, found, err)
		}
	}
}

// TestRubyTestdata reads scripts written to hold every form at once.
func TestRubyTestdata(t *testing.T) {
	rb := newRuby(&Image{FS: rbTestFS(), WorkingDir: "/app"})
	found, err := rb.Reach("/app/bin/app.rb", testdata(t, "ruby", "app.rb"))
	if err != nil {
		t.Fatal(err)
	}
	got := foundList(found)
	for _, f := range got {
		if strings.Contains(f, "/not_") {
			t.Errorf("found %s, which the script names only in a comment, string, heredoc or =begin block", f)
		}
	}
	for _, f := range []string{"file /usr/lib/ruby/3.1.0/json.rb", "file /usr/lib/ruby/3.1.0/set.rb", "file /usr/lib/ruby/3.1.0/csv.rb",
		"file /app/bin/helper.rb", "file /app/config/environment.rb", "file /var/lib/gems/3.1.0/gems/sinatra-2.10.0/lib/sinatra.rb",
		"file /usr/local/bundle/gems/puma-6.4.0/lib/puma.rb", "file /usr/share/rubygems-integration/all/gems/rake-13.0/lib/rake.rb",
		"program /usr/lib/x86_64-linux-gnu/ruby/3.1.0/etc.so", "file /app/tasks.rb"} {
		if !slices.Contains(got, f) {
			t.Errorf("%s not found in %q", f, got)
		}
	}
	readsAll(t, rb, "ruby", "/usr/lib/ruby/3.1.0/")
}

func FuzzRubyRequires(f *testing.F) {
	addSeeds(f, "ruby")
	for _, s := range []string{"x = <<~", "%q(", "\"#{\"#{'", "=begin", "a /", ":\"", "?\\", "$", "<<'A'\nA", "require File.join(__dir__"} {
		f.Add([]byte(s))
	}
	// one language for the image, as a run has: $LOAD_PATH is read once
	rb := newRuby(&Image{FS: rbTestFS(), WorkingDir: "/app"})
	f.Fuzz(func(t *testing.T, src []byte) {
		found, err := reachTwice(t, rb, "/app/lib/x.rb", src)
		if err != nil && !strings.HasPrefix(err.Error(), "line ") {
			t.Fatalf("error %q names no line", err)
		}
		for _, fd := range found {
			if fd.Reason.Kind != why.Require {
				t.Fatalf("bad find %+v", fd)
			}
		}
	})
}
