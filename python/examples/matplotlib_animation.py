"""A matplotlib FuncAnimation saved with writer="encode_native".

`import encode_native` registers that writer with matplotlib: without the import, matplotlib
says "'encode_native' is not a valid value for writer" (it finds movie writers only among
those registered by modules already imported).

    python matplotlib_animation.py [OUT.mp4]
"""

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.animation import FuncAnimation  # noqa: E402

import encode_native  # noqa: E402,F401  (registers the "encode_native" movie writer)

out = sys.argv[1] if len(sys.argv) > 1 else "sine.mp4"

fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=100)
x = np.linspace(0, 2 * np.pi, 400)
(line,) = ax.plot(x, np.sin(x))
ax.set_ylim(-1.2, 1.2)


def update(i):
    line.set_ydata(np.sin(x + 2 * np.pi * i / 100))
    return (line,)


ani = FuncAnimation(fig, update, frames=100, blit=True)
ani.save(out, writer="encode_native", fps=30, dpi=100)
print(f"{out}: 100 frames, 640x360")
