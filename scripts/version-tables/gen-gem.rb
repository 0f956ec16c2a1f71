# Writes the RubyGems version comparison table: every ordered pair of the versions in the
# given file, compared by Gem::Version#<=> (Debian's ruby). `!` = Gem::Version.correct?
# is false for one side. Run through gen.sh.
versions = File.readlines(ARGV[0], chomp: true).reject { |l| l.empty? || l.start_with?('#') }
puts "# a b result, produced by Gem::Version#<=> of RubyGems #{Gem::VERSION} (ruby #{RUBY_VERSION}; ! = Gem::Version.correct? is false)"
versions.each do |a|
  versions.each do |b|
    r = if Gem::Version.correct?(a) && Gem::Version.correct?(b)
          %w[< = >][(Gem::Version.new(a) <=> Gem::Version.new(b)) + 1]
        else
          '!'
        end
    puts "#{a} #{b} #{r}"
  end
end
