# -*- encoding: utf-8 -*-
# stub: terminal-table 3.0.2 ruby lib

Gem::Specification.new do |s|
  s.name = "terminal-table".freeze
  s.version = "3.0.2"

  s.required_rubygems_version = Gem::Requirement.new(">= 0".freeze) if s.respond_to? :required_rubygems_version=
  s.require_paths = ["lib".freeze]
  s.authors = ["TJ Holowaychuk".freeze, "Scott J. Goldman".freeze]
  s.date = "2022-05-19"
  s.email = ["tj@vision-media.ca".freeze]
  s.files = ["Gemfile".freeze, "History.rdoc".freeze, "LICENSE.txt".freeze, "Manifest".freeze, "README.md".freeze, "Rakefile".freeze, "Todo.rdoc".freeze, "debian".freeze, "debian/changelog".freeze, "debian/control".freeze, "debian/copyright".freeze, "debian/debhelper-build-stamp".freeze, "debian/patches".freeze, "debian/patches/drop-git-ls-files.patch".freeze, "debian/patches/series".freeze, "debian/ruby-terminal-table".freeze, "debian/ruby-terminal-table.docs".freeze, "debian/ruby-terminal-table.examples".freeze, "debian/rules".freeze, "debian/salsa-ci.yml".freeze, "debian/source".freeze, "debian/source/format".freeze, "debian/upstream".freeze, "debian/upstream/metadata".freeze, "debian/watch".freeze, "examples".freeze, "examples/data.csv".freeze, "examples/examples.rb".freeze, "examples/examples_unicode.rb".freeze, "examples/issue100.rb".freeze, "examples/issue111.rb".freeze, "examples/issue118.rb".freeze, "examples/issue95.rb".freeze, "examples/show_csv_table.rb".freeze, "examples/strong_separator.rb".freeze, "lib".freeze, "lib/terminal-table".freeze, "lib/terminal-table.rb".freeze, "lib/terminal-table/cell.rb".freeze, "lib/terminal-table/import.rb".freeze, "lib/terminal-table/row.rb".freeze, "lib/terminal-table/separator.rb".freeze, "lib/terminal-table/style.rb".freeze, "lib/terminal-table/table.rb".freeze, "lib/terminal-table/table_helper.rb".freeze, "lib/terminal-table/util.rb".freeze, "lib/terminal-table/version.rb".freeze, "terminal-table.gemspec".freeze, "terminal-table.gemspec.gem2deb".freeze]
  s.homepage = "https://github.com/tj/terminal-table".freeze
  s.licenses = ["MIT".freeze]
  s.rubygems_version = "3.3.5".freeze
  s.summary = "Simple, feature rich ascii table generation library".freeze

  if s.respond_to? :specification_version then
    s.specification_version = 4
  end

  if s.respond_to? :add_runtime_dependency then
    s.add_development_dependency(%q<bundler>.freeze, ["~> 2"])
    s.add_development_dependency(%q<rake>.freeze, ["~> 13.0"])
    s.add_development_dependency(%q<rspec>.freeze, [">= 3.0"])
    s.add_development_dependency(%q<term-ansicolor>.freeze, [">= 0"])
    s.add_development_dependency(%q<pry>.freeze, [">= 0"])
    s.add_runtime_dependency(%q<unicode-display_width>.freeze, [">= 1.1.1", "< 3"])
  else
    s.add_dependency(%q<bundler>.freeze, ["~> 2"])
    s.add_dependency(%q<rake>.freeze, ["~> 13.0"])
    s.add_dependency(%q<rspec>.freeze, [">= 3.0"])
    s.add_dependency(%q<term-ansicolor>.freeze, [">= 0"])
    s.add_dependency(%q<pry>.freeze, [">= 0"])
    s.add_dependency(%q<unicode-display_width>.freeze, [">= 1.1.1", "< 3"])
  end
end
