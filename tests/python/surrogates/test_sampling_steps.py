"""The surrogate steps a comparison can sample (settings_checks.sampling_step_problem): every model is sampled at
the same times, every `interval` learning steps h, so an interval must be a whole number of surrogate steps. The
properties: the steps the message suggests pass, the intervals it suggests pass, and a step (p / q) h passes exactly
when every interval is a multiple of p; the configuration parser rejects a bad step before anything runs."""
import math

import pytest
from hypothesis import given, settings, strategies as st

from effpot.cli import config
from effpot.surrogates.settings_checks import sampling_step_problem

steps_h = st.floats(min_value=1e-3, max_value=2.0, allow_nan=False)
intervals = st.integers(min_value=1, max_value=60)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(h=steps_h, a=intervals, b=intervals, n=st.integers(min_value=1, max_value=40))
def test_the_steps_g_h_over_n_always_sample_on_the_grid(h, a, b, n):
    g = math.gcd(a, b)
    assert sampling_step_problem(h, g * h / n, {"sample_interval": a, "mean_path_interval": b}) is None


@settings(max_examples=300, deadline=None, derandomize=True)
@given(h=steps_h, a=intervals, b=intervals, p=st.integers(min_value=2, max_value=25),
       q=st.integers(min_value=1, max_value=25))
def test_a_step_p_over_q_h_needs_intervals_that_are_multiples_of_p(h, a, b, p, q):
    if math.gcd(p, q) != 1:
        p, q = p // math.gcd(p, q), q // math.gcd(p, q)
    step = p / q * h
    problem = sampling_step_problem(h, step, {"sample_interval": a, "mean_path_interval": b})
    assert (problem is None) == (p == 1 or (a % p == 0 and b % p == 0))
    if problem is None:
        return
    # The message names the fix, and the fix works: the intervals it suggests, and each step it suggests.
    assert "whole number of surrogate steps" in problem and problem.startswith(f"{step:g} ps: ")
    if p > 1:
        assert f"multiples of {p}" in problem
        fixed = {"sample_interval": p * max(1, round(a / p)), "mean_path_interval": p * max(1, round(b / p))}
        assert sampling_step_problem(h, step, fixed) is None
        assert f"sample_interval = {fixed['sample_interval']}" in problem
    g = math.gcd(a, b)
    for n in (1, 2, 3):
        assert sampling_step_problem(h, g * h / n, {"sample_interval": a, "mean_path_interval": b}) is None


def test_an_irrational_step_ratio_is_refused_with_the_steps_that_work():
    problem = sampling_step_problem(0.1, 0.1 * math.sqrt(2), {"sample_interval": 10, "mean_path_interval": 10})
    assert problem is not None and "10 h / n (1, 0.5, 0.333333, ... ps)" in problem
    assert "multiples of" not in problem


GOOD = """
[model]
dimensions = 2
energy = "(x^2+y^2)/2"
[learn]
step_size = 0.1
[compare]
sample_interval = 5
mean_path_interval = 2
"""


@pytest.mark.parametrize("extra, where", [
    ("surrogate_step_size = 0.3", "[compare] surrogate_step_size = 0.3 ps: "),
    ("extra_surrogates = [{step_size = 0.05}, {step_size = 0.5, splitting = \"GHMC\"}]",
     "[compare] extra_surrogates[1] step_size = 0.5 ps: "),
])
def test_the_parser_refuses_a_surrogate_step_off_the_sampling_grid(extra, where):
    import tomllib
    with pytest.raises(config.ConfigError) as error:
        config.validate(tomllib.loads(GOOD + extra + "\n"), "c.toml")
    assert where in str(error.value) and "whole number of surrogate steps" in str(error.value)
    # The same configuration with the intervals the message suggests is accepted.
    fixed = GOOD.replace("sample_interval = 5", "sample_interval = 15").replace("mean_path_interval = 2",
                                                                               "mean_path_interval = 15")
    config.validate(tomllib.loads(fixed + extra + "\n"), "c.toml")


def test_the_default_intervals_are_those_of_compare():
    import tomllib
    # ComparisonSettings' default intervals are 10 learning steps: 0.25 = 2.5 h needs multiples of 5: 10 is one.
    config.validate(tomllib.loads(GOOD.replace("sample_interval = 5\nmean_path_interval = 2\n", "")
                                  + "surrogate_step_size = 0.25\n"), "c.toml")
    with pytest.raises(config.ConfigError, match="multiples of 3"):
        config.validate(tomllib.loads(GOOD.replace("sample_interval = 5\nmean_path_interval = 2\n", "")
                                      + "surrogate_step_size = 0.3\n"), "c.toml")
