"""One validation layer, the same everywhere (issue 12, section 2).

A parametrized walk over every public function of the theory core — everything in
``emp_theory.__all__`` plus the public functions of :mod:`emp_theory.limits` and
:mod:`emp_theory.montecarlo` — with every bad kind of argument: ``True``, ``"0.5"``,
``None``, ``1+2j``, an object array, a masked array and ``[1, 2]`` where one number is
expected. Each must be a :class:`TypeError` whose message names the argument in
backticks; out-of-range values must be a :class:`ValueError` naming it.

The list of functions is *derived* from the modules, and :func:`test_every_public_function_has_a_spec`
fails when a public function has no entry in :data:`SPECS`: a new function cannot
skip validation unnoticed.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import emp_theory
from emp_theory import _validation as V
from emp_theory import bounds, limits, montecarlo


def public_functions() -> dict[str, object]:
    """Every public function of the core: ``emp_theory.__all__`` + limits + montecarlo."""
    out = {}
    assert len(limits.__all__) > 5 and len(montecarlo.__all__) > 5
    for name in emp_theory.__all__:
        obj = getattr(emp_theory, name)
        if inspect.isfunction(obj):
            out[name] = obj
    for mod in (limits, montecarlo):
        for name, obj in inspect.getmembers(mod, inspect.isfunction):
            # the package and its sub-modules (limits/, montecarlo/ are packages)
            own = obj.__module__ == mod.__name__ or obj.__module__.startswith(mod.__name__ + ".")
            if not name.startswith("_") and own:
                out[name] = obj
    return out


FUNCS = public_functions()

# Bad kinds; which of them an argument kind must refuse with a TypeError.
BAD = {
    "true": True,
    "str": "0.5",
    "none": None,
    "complex": 1 + 2j,
    "object": np.array([1, 2], dtype=object),
    "masked": np.ma.array([1, 2], mask=[0, 1]),
    "list": [1, 2],
}
REFUSES = {
    "int": set(BAD),
    "real": set(BAD),
    "int_array": set(BAD) - {"list"},
    "real_array": set(BAD) - {"list"},
    "scores": set(BAD) - {"list"},
    "points": set(BAD) - {"list"},
    "bool": set(BAD) - {"true"},
    "str": set(BAD) - {"str"},  # "0.5" is a string: a ValueError (unknown choice), below
    "seed": set(BAD) - {"none"},
    "reports": set(BAD),
}
NONE_OK = {"int?": "int", "int_array?": "int_array"}  # optional arguments: None is valid

S = [3.0, -1.0, 2.0]
W = [0.5, 0.3, 0.2]
HUGE = 10**15  # a length no machine can allocate (8 PB of float64)


def spec(func, valid, kinds, bad_values=()):
    return {"func": func, "valid": valid, "kinds": kinds, "bad_values": list(bad_values)}


SPECS: dict[str, list[dict]] = {
    # ---------------------------------------------------------------- effective
    "weights": [spec("weights", {"s": S}, {"s": "scores"}, [("s", []), ("s", [0, 0])])],
    "n_eff": [spec("n_eff", {"s": S}, {"s": "scores"}, [("s", [1.0, np.nan]), ("s", [])])],
    "s_eff": [spec("s_eff", {"s": S}, {"s": "scores"}, [("s", [np.inf, 1.0])])],
    "keep_count": [
        spec(
            "keep_count",
            {"s": S, "beta": 0.5},
            {"s": "scores", "beta": "real"},
            [("beta", 0), ("beta", -1.0), ("beta", np.nan), ("beta", np.inf), ("s", [0.0])],
        ),
        spec(
            "keep_count",
            {"beta": 0.5, "n_eff": 3, "N": 10},
            {"beta": "real", "n_eff": "int", "N": "int"},
            [("n_eff", 0), ("n_eff", 11), ("N", 0), ("n_eff", 2.5)],
        ),
    ],
    "nu_from_n_eff": [
        spec(
            "nu_from_n_eff",
            {"n_eff": 3, "N": 10, "beta": 1.0},
            {"n_eff": "int", "N": "int", "beta": "real"},
            [("n_eff", 0), ("n_eff", 11), ("N", 0), ("beta", 0.0)],
        )
    ],
    "top_mass": [
        spec("top_mass", {"s": S, "k": 2}, {"s": "scores", "k": "int"}, [("k", 0), ("k", 4)])
    ],
    "topk_mask": [
        spec("topk_mask", {"s": S, "k": 2}, {"s": "scores", "k": "int"}, [("k", 0), ("k", 4)])
    ],
    "emp_mask": [
        spec("emp_mask", {"s": S, "beta": 1.0}, {"s": "scores", "beta": "real"}, [("beta", 0)])
    ],
    "emp_summary": [
        spec("emp_summary", {"s": S, "beta": 1.0}, {"s": "scores", "beta": "real"}, [("beta", -2)])
    ],
    # ---------------------------------------------------------------- simplex
    "zeta": [
        spec(
            "zeta",
            {"k": 2, "N": 4},
            {"k": "int", "N": "int"},
            [("k", 0), ("k", 5), ("N", 1), ("N", HUGE)],
        )
    ],
    "vertices": [spec("vertices", {"N": 4}, {"N": "int"}, [("N", 1), ("N", 10**8)])],
    "barycenter": [spec("barycenter", {"N": 4}, {"N": "int"}, [("N", 1), ("N", HUGE)])],
    "radius": [
        spec(
            "radius",
            {"nu": [1, 2], "N": 4},
            {"nu": "int_array", "N": "int"},
            [("nu", 0), ("nu", [1, 5]), ("N", 1), ("nu", 1.5)],
        )
    ],
    "in_ordered_simplex": [
        spec(
            "in_ordered_simplex",
            {"omega": W, "atol": 1e-12},
            {"omega": "points", "atol": "real"},
            [("omega", [1.0]), ("omega", [np.nan, 1.0]), ("atol", -1.0), ("atol", np.nan)],
        )
    ],
    "shell_index": [
        spec(
            "shell_index",
            {"omega": W},
            {"omega": "points"},
            [("omega", [0.0, 0.0]), ("omega", [[[0.5, 0.5]]])],
        )
    ],
    "in_shell": [
        spec(
            "in_shell",
            {"omega": W, "nu": 2, "atol": 1e-12},
            {"omega": "points", "nu": "int", "atol": "real"},
            [("nu", 0), ("nu", 4), ("atol", -1.0)],
        )
    ],
    "from_barycentric": [
        spec(
            "from_barycentric",
            {"lam": W},
            {"lam": "points"},
            [("lam", [1.0]), ("lam", [1.7e308, 1.7e308])],
        )
    ],
    "to_barycentric": [
        spec(
            "to_barycentric",
            {"omega": W},
            {"omega": "points"},
            [("omega", [1.0]), ("omega", [1e308, -1e308])],
        )
    ],
    "plane_basis": [spec("plane_basis", {"N": 4}, {"N": "int"}, [("N", 1), ("N", 10**8)])],
    "plane_coords": [spec("plane_coords", {"omega": W}, {"omega": "points"}, [("omega", [[1.0]])])],
    # ---------------------------------------------------------------- bounds
    "prop1_infimum": [
        spec(
            "prop1_infimum",
            {"nu": 2, "N": 10},
            {"nu": "int_array", "N": "int"},
            [("nu", 0), ("nu", 11), ("nu", 2.5), ("N", 1), ("N", 4.5), ("N", np.nan)],
        )
    ],
    "p_nu": [
        spec(
            "p_nu",
            {"nu": 2, "N": 10},
            {"nu": "int", "N": "int"},
            [("nu", 0), ("nu", 11), ("N", 1), ("N", HUGE)],
        )
    ],
    "theorem2_bound": [
        spec(
            "theorem2_bound",
            {"n_eff": 3, "N": 10},
            {"n_eff": "int_array", "N": "int"},
            [("n_eff", 0), ("n_eff", [5, 11]), ("N", 1)],
        )
    ],
    "theorem2_approx": [
        spec(
            "theorem2_approx",
            {"n_eff": 3.5, "N": 10},
            {"n_eff": "real_array", "N": "int"},
            [("n_eff", 0.5), ("n_eff", 10.5), ("n_eff", np.nan), ("N", 1)],
        )
    ],
    "trivial_bound": [
        spec(
            "trivial_bound",
            {"n_eff": 3.5, "N": 10},
            {"n_eff": "real_array", "N": "int"},
            [("n_eff", 0.5), ("n_eff", 11), ("N", 1)],
        )
    ],
    "lemma1_rho_max": [
        spec(
            "lemma1_rho_max",
            {"eps": 0.1, "N": 10, "dist_sq": 1.0, "trace_h": 2.0},
            {"eps": "real_array", "N": "int", "dist_sq": "real", "trace_h": "real"},
            [
                ("eps", -1.0),
                ("eps", np.inf),
                ("dist_sq", 0.0),
                ("dist_sq", np.nan),
                ("trace_h", 0.0),
                ("trace_h", np.inf),
                ("N", 1),
            ],
        )
    ],
    "eq17_loss_bound": [
        spec(
            "eq17_loss_bound",
            {"rho": 0.5, "N": 10, "dist_sq": 2.0, "trace_h": 1.0},
            {"rho": "real_array", "N": "int", "dist_sq": "real", "trace_h": "real"},
            [
                ("rho", 0.0),
                ("rho", 1.5),
                ("rho", np.nan),
                ("dist_sq", -1.0),
                ("trace_h", 0.0),
                ("N", 1),
            ],
        )
    ],
    "distance_bound": [
        spec(
            "distance_bound",
            {"theta_l1": 3.0, "s_eff": 0.8, "n_eff": 4, "N": 10},
            {"theta_l1": "real", "s_eff": "real_array", "n_eff": "real_array", "N": "int"},
            [
                ("theta_l1", -1.0),
                ("s_eff", 1.5),
                ("s_eff", -0.1),
                ("n_eff", 0.5),
                ("n_eff", 11),
                ("N", 1),
            ],
        )
    ],
    "normalized_loss_bound": [
        spec(
            "normalized_loss_bound",
            {"rho": 0.5, "N": 10, "exact": False},
            {"rho": "real_array", "N": "int", "exact": "bool"},
            [("rho", 0.01), ("rho", 1.5), ("N", 1)],
        )
    ],
    "eq18_loss_bound": [
        spec(
            "eq18_loss_bound",
            {"rho": 0.5, "N": 10, "theta_l1": 2.0, "trace_h": 1.0, "exact": True},
            {
                "rho": "real_array",
                "N": "int",
                "theta_l1": "real",
                "trace_h": "real",
                "exact": "bool",
            },
            [("rho", 1.5), ("theta_l1", -1.0), ("trace_h", 0.0), ("N", 1)],
        )
    ],
    # ---------------------------------------------------------------- certificate
    "exact_infimum_point": [
        spec(
            "exact_infimum_point",
            {"nu": 2, "N": 6, "k": 3},
            {"nu": "int", "N": "int", "k": "int?"},
            [("nu", 0), ("nu", 7), ("N", 1), ("k", 0), ("k", 7)],
        )
    ],
    "exact_infimum": [
        spec(
            "exact_infimum",
            {"nu": [1, 2], "N": 6, "k": 3},
            {"nu": "int_array", "N": "int", "k": "int?"},
            [("nu", 0), ("nu", [1, 7]), ("N", 1), ("k", 0)],
        )
    ],
    "beta_bound": [
        spec(
            "beta_bound",
            {"beta": 0.5, "n_eff": 3, "N": 6},
            {"beta": "real", "n_eff": "int_array", "N": "int"},
            [("beta", 0.0), ("beta", np.nan), ("n_eff", 0), ("n_eff", 7), ("N", 1)],
        )
    ],
    # ---------------------------------------------------------------- limits
    "neff_ratio_limit": [
        spec(
            "neff_ratio_limit",
            {"name": "lognormal", "sigma": 1.0},
            {"name": "str", "sigma": "real"},
            [("name", "weibull"), ("sigma", 0.0), ("sigma", np.nan)],
        ),
        spec(
            "neff_ratio_limit",
            {"name": "uniform", "low": -1.0, "high": 2.0},
            {"low": "real", "high": "real"},
            [("low", 3.0), ("high", np.inf)],
        ),
    ],
    "ratio_expression": [
        spec(
            "ratio_expression",
            {"name": "gamma", "shape": 2.0},
            {"name": "str", "shape": "real"},
            [("name", "weibull"), ("shape", -1.0)],
        ),
        spec("ratio_expression", {"name": "laplace"}, {"name": "str"}, [("name", "cauchy")]),
    ],
    "ratio_latex": [spec("ratio_latex", {"name": "pareto"}, {"name": "str"}, [("name", "x")])],
    "predicted_sparsity": [
        spec(
            "predicted_sparsity",
            {"name": "student_t", "df": 5.0},
            {"name": "str", "df": "real"},
            [("df", 2.0), ("df", -1.0), ("name", "weibull")],
        )
    ],
    "student_t_df_for_sparsity": [
        spec(
            "student_t_df_for_sparsity",
            {"sparsity": 0.5},
            {"sparsity": "real"},
            [("sparsity", 0.1), ("sparsity", 1.0), ("sparsity", np.nan)],
        )
    ],
    "sample_scores": [
        spec(
            "sample_scores",
            {"name": "student_t", "size": 5, "rng": 0, "df": 3.0},
            {"name": "str", "size": "int", "rng": "seed", "df": "real"},
            [
                ("size", 0),
                ("size", 2.5),
                ("size", HUGE),
                ("rng", -1),
                ("df", -1.0),
                ("df", 1e-300),  # draws overflow float64
            ],
        )
    ],
    "sampled_neff_ratio": [
        spec(
            "sampled_neff_ratio",
            {"name": "lognormal", "N": [10, 20], "reps": 1, "rng": 0, "sigma": 0.5},
            {"name": "str", "N": "int_array", "reps": "int", "rng": "seed", "sigma": "real"},
            [("N", [10, 0]), ("N", []), ("N", [HUGE]), ("reps", 0), ("rng", -1), ("sigma", 0)],
        )
    ],
    "powerlaw_neff_limit": [
        spec(
            "powerlaw_neff_limit",
            {"a": 2.0},
            {"a": "real"},
            [("a", 1.0), ("a", 0.5), ("a", np.nan)],
        )
    ],
    # ---------------------------------------------------------------- montecarlo
    "sample_uniform": [
        spec(
            "sample_uniform",
            {"N": 4, "n": 5, "seed": 0},
            {"N": "int", "n": "int", "seed": "seed"},
            [("N", 1), ("n", 0), ("seed", -1), ("n", HUGE)],
        )
    ],
    "sample_targeted": [
        spec(
            "sample_targeted",
            {"N": 4, "nu": 2, "n": 5, "seed": 0},
            {"N": "int", "nu": "int", "n": "int", "seed": "seed"},
            [("nu", 0), ("nu", 5), ("n", 0), ("N", 1)],
        )
    ],
    "sample_edges": [
        spec(
            "sample_edges",
            {"N": 4, "n": 5, "alpha": 0.1, "seed": 0},
            {"N": "int", "n": "int", "alpha": "real", "seed": "seed"},
            [("alpha", 0.0), ("alpha", np.nan), ("n", -3), ("N", 1)],
        )
    ],
    "run": [
        spec(
            "run",
            {"N": 4, "nus": [1, 2], "n_samples": 50, "method": "both", "seed": 0, "chunk": 16},
            {
                "N": "int",
                "nus": "int_array?",
                "n_samples": "int",
                "method": "str",
                "seed": "seed",
                "chunk": "int?",
                "alpha": "real",
            },
            [
                ("N", 1),
                ("nus", [0]),
                ("nus", [5]),
                ("n_samples", 0),
                ("n_samples", 1e300),
                ("method", "sorted"),
                ("chunk", 0),
                ("alpha", 0.0),
                ("seed", -2),
            ],
        )
    ],
    "summary_table": [
        spec(
            "summary_table",
            {"reports": None},  # filled in below with real reports
            {"reports": "reports"},
        )
    ],
}


def _call(entry, **override):
    kwargs = dict(entry["valid"])
    kwargs.update(override)
    if entry["func"] == "summary_table" and kwargs["reports"] is None and "reports" not in override:
        kwargs["reports"] = montecarlo.run(3, n_samples=20)
    return FUNCS[entry["func"]](**kwargs)


def _cases_type():
    for fname, entries in SPECS.items():
        for idx, entry in enumerate(entries):
            for arg, kind in entry["kinds"].items():
                base = NONE_OK.get(kind, kind)
                refused = REFUSES[base] - ({"none"} if kind in NONE_OK else set())
                for bad in sorted(refused):
                    yield pytest.param(fname, idx, arg, bad, id=f"{fname}[{idx}]-{arg}-{bad}")


def _cases_value():
    for fname, entries in SPECS.items():
        for idx, entry in enumerate(entries):
            for j, (arg, value) in enumerate(entry["bad_values"]):
                yield pytest.param(fname, idx, arg, value, id=f"{fname}[{idx}]-{arg}-{j}")
            for arg, kind in entry["kinds"].items():
                if kind == "str":  # a string that names no choice
                    yield pytest.param(fname, idx, arg, "0.5", id=f"{fname}[{idx}]-{arg}-str")


def test_every_public_function_has_a_spec():
    """A public function of the core without an entry here has not been checked."""
    missing = sorted(set(FUNCS) - set(SPECS))
    stale = sorted(set(SPECS) - set(FUNCS))
    assert not missing, f"public functions without a validation spec: {missing}"
    assert not stale, f"specs for functions that are not public: {stale}"


def test_every_argument_is_in_the_spec():
    """Each spec names every argument of its function (except ``**params``)."""
    for fname, entries in SPECS.items():
        sig = inspect.signature(FUNCS[fname])
        params = {
            p.name for p in sig.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD
        }
        walked = set().union(*(e["kinds"] for e in entries))
        assert params <= walked, f"{fname}: arguments not walked: {sorted(params - walked)}"


@pytest.mark.parametrize(
    ("fname", "idx"), [(f, i) for f, es in SPECS.items() for i in range(len(es))]
)
def test_valid_call_succeeds(fname, idx):
    _call(SPECS[fname][idx])


@pytest.mark.parametrize(("fname", "idx", "arg", "bad"), list(_cases_type()))
def test_bad_kind_is_a_type_error_naming_the_argument(fname, idx, arg, bad):
    with pytest.raises(TypeError) as err:
        _call(SPECS[fname][idx], **{arg: BAD[bad]})
    msg = str(err.value)
    assert f"`{arg}`" in msg, msg
    if bad == "masked" and SPECS[fname][idx]["kinds"][arg] != "reports":
        assert "mask" in msg and "compressed()" in msg, msg


@pytest.mark.parametrize(("fname", "idx", "arg", "value"), list(_cases_value()))
def test_out_of_range_is_a_value_error_naming_the_argument(fname, idx, arg, value):
    with pytest.raises(ValueError) as err:
        _call(SPECS[fname][idx], **{arg: value})
    assert f"`{arg}`" in str(err.value), str(err.value)


# ---------------------------------------------------------------------------
# The examples of the issue, and the layer itself
# ---------------------------------------------------------------------------
class TestIssueExamples:
    def test_bounds_refuse_booleans_and_strings(self):
        with pytest.raises(TypeError, match="`n_eff`"):
            emp_theory.theorem2_approx(True, 3)
        with pytest.raises(TypeError, match="`rho`"):
            emp_theory.normalized_loss_bound("0.5", 10)
        with pytest.raises(TypeError, match="`dist_sq`"):
            emp_theory.eq17_loss_bound(0.5, 10, "2", 1)
        with pytest.raises(TypeError, match="`exact`"):
            emp_theory.normalized_loss_bound(0.5, 10, exact="no")
        with pytest.raises(TypeError, match="`exact`"):
            emp_theory.eq18_loss_bound(0.5, 10, 1.0, 1.0, exact=1)
        with pytest.raises(TypeError, match="`n_eff`"):
            emp_theory.theorem2_bound(True, 3)

    def test_numpy_bool_flag_is_a_bool(self):
        assert emp_theory.normalized_loss_bound(0.5, 10, exact=np.bool_(True)) == (
            emp_theory.normalized_loss_bound(0.5, 10, exact=True)
        )

    def test_masked_array_is_refused_not_unmasked(self):
        s = np.ma.array([1, 1, 100], mask=[0, 0, 1])
        with pytest.raises(TypeError, match=r"`s`.*compressed\(\)"):
            emp_theory.n_eff(s)
        assert emp_theory.n_eff(s.compressed()) == 2

    def test_messages_name_the_argument(self):
        with pytest.raises(TypeError, match="`dist_sq`"):
            emp_theory.eq17_loss_bound(0.5, 10, [1, 2], 1)
        with pytest.raises(TypeError, match="`rho`"):
            emp_theory.normalized_loss_bound(None, 10)

    def test_prop1_infimum_beyond_int64_is_served(self):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            v = emp_theory.prop1_infimum(1e20, 1e21)
        # nu/N + (N - nu)/N sqrt((N - nu - 1)/((nu + 1)(N - 1))) = 0.1 + 0.9 sqrt(9e-21)
        assert v == pytest.approx(
            0.1 + 0.9 * (0.9e21 - 1) ** 0.5 / ((1e20 + 1) * (1e21 - 1)) ** 0.5
        )


def test_ad_hoc_checks_are_gone():
    """The modules validate through the layer, not through private copies of it."""
    assert not hasattr(bounds, "_check_rho")
    assert not hasattr(limits, "_real")
    assert not hasattr(montecarlo, "_count")
    assert not hasattr(montecarlo, "_rng")


class TestLayer:
    def test_as_int_reads_integral_floats_exactly(self):
        assert V.as_int(1e20, "N") == 10**20
        assert V.as_int(np.float64(7.0), "N") == 7
        assert V.as_int(np.asarray(5), "N") == 5
        assert V.as_int(2**70, "N") == 2**70
        with pytest.raises(ValueError, match="`N`"):
            V.as_int(2.5, "N")
        with pytest.raises(ValueError, match=r"`N` must be an integer in \[1, 3\]"):
            V.as_int(4, "N", low=1, high=3)

    @pytest.mark.parametrize("bad", [True, np.bool_(False), "3", None, 3 + 0j, [3], b"3"])
    def test_as_int_kinds(self, bad):
        with pytest.raises(TypeError, match="`N`"):
            V.as_int(bad, "N")

    def test_as_real_range_message(self):
        with pytest.raises(ValueError, match=r"`rho` must lie in \(0, 1\], got 1.5"):
            V.as_real(1.5, "rho", low=0.0, high=1.0, open_low=True)
        with pytest.raises(ValueError, match="`x` is too large for float64"):
            V.as_real(10**400, "x")

    def test_int_array_dtypes(self):
        assert V.int_array([1, 2], "nu", 1, 10).dtype == np.int64
        big = V.int_array([1, 10**20], "nu", 1, 10**21)
        assert big.dtype == object and big.tolist() == [1, 10**20]
        assert V.int_array(3.0, "nu", 1, 10).ndim == 0
        with pytest.raises(TypeError, match="`nu`"):
            V.int_array([1, None], "nu", 1, 10)
        with pytest.raises(TypeError, match="`nu`"):
            V.int_array([[1, 2], [3]], "nu", 1, 10)
        with pytest.raises(ValueError, match="`nu` must not be empty"):
            V.int_array([], "nu", 1, 10)

    def test_as_rng(self):
        g = np.random.default_rng(0)
        assert V.as_rng(g) is g
        assert isinstance(V.as_rng(None), np.random.Generator)
        with pytest.raises(TypeError, match="`seed`"):
            V.as_rng(1.0)
        with pytest.raises(ValueError, match="`seed`"):
            V.as_rng(-1)

    def test_check_alloc(self):
        V.check_alloc(1000, "N")
        with pytest.raises(ValueError, match="`N` is too large"):
            V.check_alloc(HUGE, "N")
