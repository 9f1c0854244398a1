"""The command-line surface agents type into ``exec_shell``: parsed, classified and run without a shell."""
