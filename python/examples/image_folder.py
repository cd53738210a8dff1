"""A folder of images to a video, read with Pillow, in natural order (frame2 before frame10).

    python image_folder.py [FOLDER] [OUT.mp4] [FPS]

Without a folder, it first makes one (`demo_frames/`, 48 PNGs) to show how it works. Images
of another size than the first are resized to it; palette and grey images work as they are.
"""

import os
import re
import sys

from PIL import Image, ImageDraw

import encode_native as en

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif")


def natural_key(name):
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def make_demo_folder(folder, count=48, size=(320, 240)):
    os.makedirs(folder, exist_ok=True)
    for i in range(count):
        im = Image.new("RGB", size, (20, 30, 60))
        x = 20 + i * (size[0] - 80) // count
        ImageDraw.Draw(im).ellipse([x, 90, x + 60, 150], fill=(240, 200, 40))
        im.save(os.path.join(folder, f"frame{i}.png"))


folder = sys.argv[1] if len(sys.argv) > 1 else "demo_frames"
out = sys.argv[2] if len(sys.argv) > 2 else "images.mp4"
fps = float(sys.argv[3]) if len(sys.argv) > 3 else 24
if len(sys.argv) < 2 and not os.path.isdir(folder):
    make_demo_folder(folder)

names = sorted((n for n in os.listdir(folder) if n.lower().endswith(EXTENSIONS)), key=natural_key)
if not names:
    sys.exit(f"no images in {folder}")

size = None
with en.Writer(out, fps=fps, total=len(names)) as writer:
    for name in names:
        with Image.open(os.path.join(folder, name)) as im:
            if size is None:
                size = im.size
            elif im.size != size:
                im = im.resize(size)
            writer.write(im)  # a PIL image is a frame (it has __array__)
print(f"{out}: {writer.summary.frames} frames from {folder}, {size[0]}x{size[1]}")
