# Rack-style configuration, with a heredoc passed along and a symbol list.
require 'json'
require_relative "helper"

CONFIG = {
  name: 'app',
  paths: %i[lib config],
  'require' => 'not_a_require',
}.freeze

class Config
  attr_reader :values

  def initialize(values = CONFIG)
    @values = values
  end

  def dump(io = $stdout)
    io.puts(<<~TEXT, values.to_json)
      # configuration
      #{values.keys.join(', ')}
    TEXT
  end

  def [](key) = values.fetch(key) { raise KeyError, "no #{key}" }
end

Config.new.dump if __FILE__ == $0
