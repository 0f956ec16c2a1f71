# -*- encoding: utf-8 -*-
# stub: em-websocket 0.5.1 ruby lib

Gem::Specification.new do |s|
  s.name = "em-websocket".freeze
  s.version = "0.5.1"

  s.required_rubygems_version = Gem::Requirement.new(">= 0".freeze) if s.respond_to? :required_rubygems_version=
  s.require_paths = ["lib".freeze]
  s.authors = ["Ilya Grigorik".freeze, "Martyn Loughran".freeze]
  s.date = "2018-08-18"
  s.description = "EventMachine based WebSocket server".freeze
  s.email = ["ilya@igvita.com".freeze, "me@mloughran.com".freeze]
  s.files = ["CHANGELOG.rdoc".freeze, "Gemfile".freeze, "README.md".freeze, "Rakefile".freeze, "em-websocket.gemspec".freeze, "examples".freeze, "examples/echo.rb".freeze, "examples/multicast.rb".freeze, "examples/ping.rb".freeze, "examples/test.html".freeze, "lib".freeze, "lib/em-websocket".freeze, "lib/em-websocket.rb".freeze, "lib/em-websocket/close03.rb".freeze, "lib/em-websocket/close05.rb".freeze, "lib/em-websocket/close06.rb".freeze, "lib/em-websocket/close75.rb".freeze, "lib/em-websocket/connection.rb".freeze, "lib/em-websocket/debugger.rb".freeze, "lib/em-websocket/framing03.rb".freeze, "lib/em-websocket/framing04.rb".freeze, "lib/em-websocket/framing05.rb".freeze, "lib/em-websocket/framing07.rb".freeze, "lib/em-websocket/framing76.rb".freeze, "lib/em-websocket/handler.rb".freeze, "lib/em-websocket/handler03.rb".freeze, "lib/em-websocket/handler05.rb".freeze, "lib/em-websocket/handler06.rb".freeze, "lib/em-websocket/handler07.rb".freeze, "lib/em-websocket/handler08.rb".freeze, "lib/em-websocket/handler13.rb".freeze, "lib/em-websocket/handler75.rb".freeze, "lib/em-websocket/handler76.rb".freeze, "lib/em-websocket/handshake.rb".freeze, "lib/em-websocket/handshake04.rb".freeze, "lib/em-websocket/handshake75.rb".freeze, "lib/em-websocket/handshake76.rb".freeze, "lib/em-websocket/masking04.rb".freeze, "lib/em-websocket/message_processor_03.rb".freeze, "lib/em-websocket/message_processor_06.rb".freeze, "lib/em-websocket/version.rb".freeze, "lib/em-websocket/websocket.rb".freeze, "spec".freeze, "spec/helper.rb".freeze, "spec/integration".freeze, "spec/integration/common_spec.rb".freeze, "spec/integration/draft03_spec.rb".freeze, "spec/integration/draft05_spec.rb".freeze, "spec/integration/draft06_spec.rb".freeze, "spec/integration/draft13_spec.rb".freeze, "spec/integration/draft75_spec.rb".freeze, "spec/integration/draft76_spec.rb".freeze, "spec/integration/gte_03_examples.rb".freeze, "spec/integration/shared_examples.rb".freeze, "spec/unit".freeze, "spec/unit/framing_spec.rb".freeze, "spec/unit/handshake_spec.rb".freeze, "spec/unit/masking_spec.rb".freeze]
  s.homepage = "http://github.com/igrigorik/em-websocket".freeze
  s.rubyforge_project = "em-websocket".freeze
  s.rubygems_version = "2.7.6".freeze
  s.summary = "EventMachine based WebSocket server".freeze
  s.test_files = ["spec".freeze, "spec/helper.rb".freeze, "spec/integration".freeze, "spec/integration/common_spec.rb".freeze, "spec/integration/draft03_spec.rb".freeze, "spec/integration/draft05_spec.rb".freeze, "spec/integration/draft06_spec.rb".freeze, "spec/integration/draft13_spec.rb".freeze, "spec/integration/draft75_spec.rb".freeze, "spec/integration/draft76_spec.rb".freeze, "spec/integration/gte_03_examples.rb".freeze, "spec/integration/shared_examples.rb".freeze, "spec/unit".freeze, "spec/unit/framing_spec.rb".freeze, "spec/unit/handshake_spec.rb".freeze, "spec/unit/masking_spec.rb".freeze]

  if s.respond_to? :specification_version then
    s.specification_version = 4

    if Gem::Version.new(Gem::VERSION) >= Gem::Version.new('1.2.0') then
      s.add_runtime_dependency(%q<eventmachine>.freeze, [">= 0.12.9"])
      s.add_runtime_dependency(%q<http_parser.rb>.freeze, ["~> 0.6.0"])
    else
      s.add_dependency(%q<eventmachine>.freeze, [">= 0.12.9"])
      s.add_dependency(%q<http_parser.rb>.freeze, ["~> 0.6.0"])
    end
  else
    s.add_dependency(%q<eventmachine>.freeze, [">= 0.12.9"])
    s.add_dependency(%q<http_parser.rb>.freeze, ["~> 0.6.0"])
  end
end
