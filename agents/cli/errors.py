"""Usage errors of the kubectl and helm command lines, worded as the real tools word them."""


class KubectlUsageError(ValueError):
    """kubectl would refuse this command line; ``str(error)`` is what kubectl prints on stderr."""


class HelmUsageError(ValueError):
    """helm would refuse this command line; ``str(error)`` is what helm prints on stderr."""
