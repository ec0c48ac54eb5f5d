#!/usr/bin/perl -w -I/opt/perl/lib
use strict;
use warnings FATAL => 'all';
use 5.010;
use v5.36;
use lib '/app/lib', qw(/app/lib2);
use FindBin;
use lib "$FindBin::Bin/../lib";
use parent -norequire, 'Foo::Parent';
use base qw(Foo::Base Foo::Base2);
use if $] >= 5.010, 'Foo::If' => qw(x);
use POSIX qw(floor ceil);
no warnings 'once';

my %h = (use => 1, require => 2);
print $h{use}, $h{require};
my $s = "use Not::Str; require Not::Str2;";
my $q = q{ use Not::Q; };
my @w = qw(use Not::Qw);
my $size = -s $0;
my $half = $size / 2; use Foo::AfterDivision;
$s =~ s{use Not::Subst}{require Not::Subst2}g;
$s =~ tr/a-z/A-Z/;
$s =~ m/use Not::Match/ and print "x";
my $r = $size / 4 / 2; # use Not::Comment
print <<'EOT', <<"EOU", <<~EOV;
use Not::Heredoc1;
EOT
require Not::Heredoc2; $x
EOU
	use Not::Heredoc3;
	EOV
use Foo::AfterHeredoc;

=pod

use Not::Pod;

=cut

sub compress {
	my (%opt) = @_;
	if ($opt{gzip}) {
		require Foo::InSub;
	}
	my $ok = eval { require Foo::Eval; 1 };
	eval "require Foo::StringEval; 1" or warn $@;
	eval "use $opt{module}; 1";
	require "Foo/File.pm";
	do 'config.pl';
	return $$ + $#ARGV + $#{$opt{list}};
}

format STDOUT =
use Not::Format;
@<<<<<<
$s
.

1;
__END__
use Not::End;
