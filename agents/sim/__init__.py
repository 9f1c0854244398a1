"""The simulated cluster: AIOpsLab's three applications, its faults, and its problem suite, in pure Python."""
