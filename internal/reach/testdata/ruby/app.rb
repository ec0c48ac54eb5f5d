#!/usr/bin/env ruby
# frozen_string_literal: true
#
# A small web app, every load form at once. require 'not_comment'

require 'json'
require "set"
require('csv')
require_relative 'helper'
require File.expand_path('../../config/environment', __FILE__)
require 'sinatra'
require 'puma'

autoload :Rake, 'rake'

=begin
require 'not_begin'
=end

module App
  VERSION = '1.0'
  WORDS = %w(require not_words)
  QUOTED = %q{require 'not_q'}

  class Server
    def initialize(opts = {})
      @opts = opts
      @ratio = opts.fetch(:total, 10) / 2
      @re = /require 'not_regex'/i
      require 'etc' if opts[:etc]
    end

    def banner
      <<~EOS
        require 'not_heredoc'
        #{VERSION}
      EOS
    end

    def plugin(name)
      require "plugins/#{name}"
      load 'tasks.rb'
    end

    def to_s = "server #{@opts.inspect}"
  end
end

puts App::Server.new.banner if $PROGRAM_NAME == __FILE__

__END__
require 'not_end'
