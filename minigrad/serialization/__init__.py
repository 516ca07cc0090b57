"""``mg.save`` / ``mg.load``: checkpoints in a documented, portable format, pickle-free for data.

The file is a ZIP archive (stored, uncompressed) holding

* ``manifest.json``: ``{"format": "minigrad-checkpoint", "version": 2, "root": NODE,
  "arrays": {"0": {"dtype": "<f4", "shape": [3, 4], "sha256": "..."}, ...},
  "objects": {"0": {"type": "pkg.Class", "where": "obj['model']", "sha256": "..."}, ...}}``
  where ``NODE`` describes the saved object: ``{"t": "dict"|"odict", "items": [[key_node,
  value_node], ...]}`` (``odict``: an OrderedDict), ``{"t": "list"|"tuple", "items": [...]}``,
  ``{"t": "tensor", "array": "0", "device": "cpu", "requires_grad": false, "parameter":
  false}``, ``{"t": "ndarray", "array": "0"}``, ``{"t": "int"|"bool"|"str", "v": ...}``,
  ``{"t": "float", "v": repr}`` (so nan/inf are exact), ``{"t": "bytes", "v": base64}``,
  ``{"t": "dtype", "v": "float32"}``, ``{"t": "device", "v": "cuda:0"}``, ``{"t": "size",
  "v": [2, 3]}`` (an ``mg.Size``), ``{"t": "none"}`` and ``{"t": "pickle", "object": "0"}``.
  Dict keys are nodes too, so optimizer states keyed by ints survive.
* ``arrays/<id>.npy``: one NumPy ``.npy`` file per array (readable by ``numpy.load`` with
  ``allow_pickle=False``); ``sha256`` is the digest of that member's bytes.
* ``objects/<id>.pkl``: only for objects that are not plain data (a whole module, a custom
  class): a pickle whose tensors and arrays are persistent references to ``arrays/`` members.
  ``load`` refuses them unless ``weights_only=False`` (unpickling can run arbitrary code).

Writing to a path goes to a temporary file in the target directory, which is flushed,
fsync'ed and then renamed over the target (``os.replace``), so a crash mid-write leaves the old
file intact; a file object (``BytesIO``) gets the archive in one ``write``. Loading checks the
archive, the manifest, every member's size against the file, every ``.npy`` header against its
bytes, and every digest, dtype and shape before it builds anything; any problem raises
:class:`CheckpointError` naming the file and what is wrong. Version-1 files (no ``odict``,
``bytes``, ``dtype``, ``device``, ``size`` or ``pickle`` nodes) still load.

Not PyTorch's format: ``torch.load`` cannot read these files, nor ``mg.load`` PyTorch's.

>>> import os, tempfile
>>> import minigrad as mg
>>> path = os.path.join(tempfile.mkdtemp(), "ckpt.mg")
>>> mg.save({"w": mg.ones(2), "step": 3, "lr": 0.1}, path)
>>> mg.load(path)
{'w': tensor([1., 1.], dtype=float32, device='cpu'), 'step': 3, 'lr': 0.1}
"""

from __future__ import annotations

from minigrad.serialization.format import (
    FORMAT,
    VERSION,
    CheckpointError,
    WeightsOnlyLoadError,
)
from minigrad.serialization.reader import load
from minigrad.serialization.writer import save

__all__ = ["FORMAT", "VERSION", "CheckpointError", "WeightsOnlyLoadError", "load", "save"]
