# -*- encoding: utf-8 -*-
# stub: rdiscount 2.1.8 ruby lib

Gem::Specification.new do |s|
  s.name = "rdiscount".freeze
  s.version = "2.1.8"

  s.required_rubygems_version = Gem::Requirement.new(">= 0".freeze) if s.respond_to? :required_rubygems_version=
  s.require_paths = ["lib".freeze]
  s.authors = ["Ryan Tomayko".freeze, "David Loren Parsons".freeze, "Andrew White".freeze, "David Foster".freeze]
  s.date = "2022-12-24"
  s.email = "davidfstr@gmail.com".freeze
  s.executables = ["rdiscount".freeze]
  s.extra_rdoc_files = ["COPYING".freeze]
  s.files = ["BUILDING".freeze, "COPYING".freeze, "README.markdown".freeze, "Rakefile".freeze, "bin/rdiscount".freeze, "ext/Csio.c".freeze, "ext/VERSION".freeze, "ext/amalloc.c".freeze, "ext/amalloc.h".freeze, "ext/basename.c".freeze, "ext/blocktags".freeze, "ext/config.h".freeze, "ext/css.c".freeze, "ext/cstring.h".freeze, "ext/docheader.c".freeze, "ext/dumptree.c".freeze, "ext/emmatch.c".freeze, "ext/extconf.rb".freeze, "ext/flags.c".freeze, "ext/generate.c".freeze, "ext/github_flavoured.c".freeze, "ext/html5.c".freeze, "ext/markdown.c".freeze, "ext/markdown.h".freeze, "ext/mkdio.c".freeze, "ext/mkdio.h".freeze, "ext/mktags.c".freeze, "ext/pgm_options.c".freeze, "ext/pgm_options.h".freeze, "ext/rdiscount.c".freeze, "ext/resource.c".freeze, "ext/setup.c".freeze, "ext/tags.c".freeze, "ext/tags.h".freeze, "ext/toc.c".freeze, "ext/version.c".freeze, "ext/xml.c".freeze, "ext/xmlpage.c".freeze, "lib/markdown.rb".freeze, "lib/rdiscount.rb".freeze, "man/markdown.7".freeze, "man/rdiscount.1".freeze, "man/rdiscount.1.ronn".freeze, "rdiscount.gemspec".freeze, "test/benchmark.rb".freeze, "test/benchmark.txt".freeze, "test/markdown_test.rb".freeze, "test/rdiscount_test.rb".freeze]
  s.homepage = "http://dafoster.net/projects/rdiscount/".freeze
  s.licenses = ["BSD".freeze]
  s.required_ruby_version = Gem::Requirement.new("!= 1.9.2".freeze)
  s.rubygems_version = "3.3.15".freeze
  s.summary = "Fast Implementation of Gruber's Markdown in C".freeze
  s.test_files = ["test/markdown_test.rb".freeze, "test/rdiscount_test.rb".freeze]
end
