"""inspect-tool: inspection and self-assessment of Vietnam's administrative reform (CCHC).

Plugin authors import what they need from here::

    from inspect_tool import hookimpl, ScoringMethod, InputSpec, Outcome
"""

from .hookspecs import API_VERSION, hookimpl
from .methods import Outcome, ParamProblem, ScoringMethod
from .model import InputSpec

__version__ = "0.1.0"
__all__ = ["API_VERSION", "InputSpec", "Outcome", "ParamProblem", "ScoringMethod", "hookimpl"]
