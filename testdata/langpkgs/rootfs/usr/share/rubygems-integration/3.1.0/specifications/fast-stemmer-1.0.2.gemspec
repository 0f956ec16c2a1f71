# -*- encoding: utf-8 -*-
# stub: fast-stemmer 1.0.2 ruby lib

Gem::Specification.new do |s|
  s.name = "fast-stemmer".freeze
  s.version = "1.0.2"

  s.required_rubygems_version = Gem::Requirement.new(">= 0".freeze) if s.respond_to? :required_rubygems_version=
  s.require_paths = ["lib".freeze]
  s.authors = ["Roman Shterenzon".freeze]
  s.date = "2022-12-23"
  s.description = "Fast Porter stemmer based on a C version of algorithm".freeze
  s.email = "romanbsd@yahoo.com".freeze
  s.extra_rdoc_files = ["LICENSE".freeze, "README".freeze]
  s.files = ["LICENSE".freeze, "README".freeze, "Rakefile".freeze, "VERSION.yml".freeze, "ext/Makefile".freeze, "ext/extconf.rb".freeze, "ext/porter.c".freeze, "ext/porter_wrap.c".freeze, "lib/fast-stemmer.rb".freeze, "lib/fast_stemmer.rb".freeze, "test/fast_stemmer_test.rb".freeze]
  s.homepage = "http://github.com/romanbsd/fast-stemmer".freeze
  s.rubygems_version = "3.3.15".freeze
  s.summary = "Fast Porter stemmer based on a C version of algorithm".freeze
end
