# frozen_string_literal: false
require 'set'

module Shellwords
  # Splits a string as the shell would: 'a "b c"' gives ["a", "b c"].
  def shellsplit(line)
    words = []
    field = String.new
    line.scan(/\G\s*(?>([^\s\\\'\"]+)|'([^\']*)'|"((?:[^\"\\]|\\.)*)"|(\\.?)|(\S))(\s|\z)?/m) do
      |word, sq, dq, esc, garbage, sep|
      raise ArgumentError, "Unmatched quote: #{line.inspect}" if garbage
      field << (word || sq || (dq && dq.gsub(/\\([$`"\\\n])/, '\\1')) || esc.gsub(/\\(.)/, '\\1'))
      if sep
        words << field
        field = String.new
      end
    end
    words
  end

  def escape(str)
    str = str.to_s
    return "''".dup if str.empty?
    str = str.dup
    str.gsub!(%r{[^A-Za-z0-9_\-.,:+/@\n]}, "\\\\\\&")
    str.gsub!(/\n/, "'\n'")
    str
  end

  SQL = <<-'SQL'
    SELECT * FROM t WHERE name = '#{not_interpolated}'
    SQL

  def self.ratio(a, b) = a % b == 0 ? a / b : ?x

  module_function :shellsplit, :escape
end
