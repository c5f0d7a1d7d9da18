"""The reference problems of docs/theory.md section 10 as OpenMM energy expressions in x (1D), x, y (2D) or x, y, z (3D).

Each function returns a string usable in CustomExternalForce (and, later, CoarseGrainer); the coarse parts are
returned separately so that learned potentials can be compared with them.
"""

_MB_A = (-200.0, -100.0, -170.0, 15.0)
_MB_a = (-1.0, -1.0, -6.5, 0.7)
_MB_b = (0.0, 0.0, 11.0, 0.6)
_MB_c = (-10.0, -10.0, -6.5, 0.7)
_MB_x = (1.0, 0.0, -0.5, -1.0)
_MB_y = (0.0, 0.5, 1.5, 1.0)


def muller_brown():
    """The Muller-Brown potential V_MB(x, y)."""
    terms = []
    for A, a, b, c, x0, y0 in zip(_MB_A, _MB_a, _MB_b, _MB_c, _MB_x, _MB_y):
        terms.append(f"({A})*exp(({a})*(x-({x0}))^2+({b})*(x-({x0}))*(y-({y0}))+({c})*(y-({y0}))^2)")
    return "(" + "+".join(terms) + ")"


def p5_coarse(s=0.05, k=40.0, center=(-0.05, 0.4667)):
    """The coarse part of P5: s (V_MB + k |q - q_c|^2), three wells levelled so all are visited at kT = 1."""
    return f"({s})*({muller_brown()}+({k})*((x-({center[0]}))^2+(y-({center[1]}))^2))"


def p5_micro(amplitude=5.0, eps=1e-5):
    """The micro-scale of P5: A eps [sin(x/eps) + 2 sin(y/eps) + sin((x+y)/eps)]."""
    return f"({amplitude*eps})*(sin(x/{eps})+2*sin(y/{eps})+sin((x+y)/{eps}))"


def p5():
    """P5, the modified Muller-Brown surface with a micro-scale: the demo problem."""
    return f"{p5_coarse()}+{p5_micro()}"


def p1_coarse():
    """The coarse part f0 = x^2/2 of P1."""
    return "x^2/2"


def p1(e1=1e-2, e2=1e-4):
    """P1: x^2/2 + e1 sin(x/e1) + e2 sin(x/e2)."""
    return f"x^2/2+{e1}*sin(x/{e1})+{e2}*sin(x/{e2})"


def p3_scales(count=12):
    """The micro-scales e_k = 0.1 * 2^-(k-1), k = 1..count, of P3."""
    return [0.1 * 2.0 ** -k for k in range(count)]


def p3(count=12, kept=None):
    """P3: x^2/2 + count^-1/2 sum_k e_k sin(x/e_k), many scales with no clean separation. `kept` keeps only the
    first `kept` terms (the coarsest): the plain truncations a learned potential is compared against."""
    scales = p3_scales(count)[:count if kept is None else kept]
    amplitude = count ** -0.5
    terms = "".join(f"+{amplitude * e!r}*sin(x/{e!r})" for e in scales)
    return "x^2/2" + terms


def p4(a=1.0, b=2.0, c=1.0, eps=1e-3):
    """P4: (x^2+y^2)/2 + e [a sin(x/e) + b sin(y/e) + c sin((x+y)/e)]."""
    return f"(x^2+y^2)/2+{eps}*({a}*sin(x/{eps})+{b}*sin(y/{eps})+{c}*sin((x+y)/{eps}))"


def p4_noise_covariance(h, a=1.0, b=2.0, c=1.0):
    """The exact effective-noise covariance of P4 at step h: (h/2) [[a^2+c^2, c^2], [c^2, b^2+c^2]]."""
    return [[h / 2 * (a * a + c * c), h / 2 * c * c], [h / 2 * c * c, h / 2 * (b * b + c * c)]]


P6_STIFFNESS = ((1.0, 0.3, 0.0), (0.3, 1.0, 0.3), (0.0, 0.3, 1.0))


def p6_coarse():
    """P6's coarse part q^T K q / 2, K = P6_STIFFNESS: a correlated 3D quadratic (Cov(q) = kT K^-1)."""
    return "(x^2+y^2+z^2)/2+0.3*(x*y+y*z)"


def p6(a=1.0, b=3.0, c=7.0, f=0.5, eps=1e-3):
    """P6: q^T K q / 2 + e [a sin(x/e) + b sin(y/e) + c sin(z/e) + f sin((x+y+z)/e)]."""
    return (p6_coarse()+f"+{eps}*({a}*sin(x/{eps})+{b}*sin(y/{eps})+{c}*sin(z/{eps})"
            f"+{f}*sin((x+y+z)/{eps}))")


def p6_coarse_values(points):
    """P6's coarse part at an N x 3 array of points (numpy)."""
    import numpy as np
    points = np.asarray(points, dtype=float)
    return 0.5 * np.einsum("ni,ij,nj->n", points, np.array(P6_STIFFNESS), points)


def p6_noise_covariance(h, a=1.0, b=3.0, c=7.0, f=0.5):
    """The exact effective-noise covariance of P6 at step h: (h/2) (diag(a^2, b^2, c^2) + f^2 1 1^T); its
    condition number is 39.7 for the defaults."""
    diagonal = (a * a, b * b, c * c)
    return [[h / 2 * ((diagonal[i] if i == j else 0.0) + f * f) for j in range(3)] for i in range(3)]


def muller_brown_values(x, y):
    """V_MB at arrays x, y (numpy), the same function as muller_brown()."""
    import numpy as np
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    total = np.zeros(np.broadcast(x, y).shape)
    for A, a, b, c, x0, y0 in zip(_MB_A, _MB_a, _MB_b, _MB_c, _MB_x, _MB_y):
        total += A * np.exp(a * (x - x0) ** 2 + b * (x - x0) * (y - y0) + c * (y - y0) ** 2)
    return total


def p5_coarse_values(points, s=0.05, k=40.0, center=(-0.05, 0.4667)):
    """The coarse part of P5 at an N x 2 array of points (numpy), the same function as p5_coarse()."""
    import numpy as np
    points = np.asarray(points, dtype=float)
    x, y = points[:, 0], points[:, 1]
    return s * (muller_brown_values(x, y) + k * ((x - center[0]) ** 2 + (y - center[1]) ** 2))


def p5_noise_covariance(h, amplitude=5.0):
    """The effective-noise covariance of P5's micro-scale at step h: (h/2) A^2 [[2, 1], [1, 5]]."""
    scale = h / 2 * amplitude ** 2
    return [[2 * scale, scale], [scale, 5 * scale]]


# Minima of P5's coarse part (nm), for starting replicas in all three wells.
P5_WELLS = ((-0.558, 1.442), (-0.050, 0.467), (0.623, 0.028))
