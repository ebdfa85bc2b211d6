"""The process: Twisted site, command line, configuration, fixture loading."""
