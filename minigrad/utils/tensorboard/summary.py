"""Summary protos for :class:`~minigrad.utils.tensorboard.SummaryWriter`: one builder per kind.

The arrays are prepared with NumPy here (histogram buckets, HWC uint8 images, PNG bytes); the
protos come from the ``tensorboard`` package (``pip install "minigrad[tensorboard]"``), imported
only when a builder runs, so this module imports without it.

>>> import numpy as np
>>> to_numpy([1, 2, 3]).tolist()
[1, 2, 3]
>>> png_bytes(np.zeros((2, 3, 3), np.uint8))[:8]
b'\\x89PNG\\r\\n\\x1a\\n'
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

import numpy as np

__all__ = ["histogram", "hparams", "image", "image_hwc", "png_bytes", "require_tensorboard",
           "scalar", "text", "to_numpy"]


def require_tensorboard() -> Any:
    """``tensorboard.compat.proto.summary_pb2``, or an ImportError saying what to install.

    >>> require_tensorboard().Summary.__name__
    'Summary'
    """
    try:
        from tensorboard.compat.proto import summary_pb2
    except ImportError as e:
        raise ImportError("minigrad.utils.tensorboard needs the tensorboard package: "
                          "pip install 'minigrad[tensorboard]' (or pip install tensorboard)"
                          ) from e
    return summary_pb2


def to_numpy(x: Any) -> np.ndarray:
    """A minigrad Tensor (any device, grad or not), NumPy array or number as a NumPy array.

    >>> import minigrad as mg
    >>> to_numpy(mg.ones(2, requires_grad=True)).tolist()
    [1.0, 1.0]
    """
    from minigrad.tensor import Tensor

    if isinstance(x, Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def scalar(tag: str, value: Any) -> Any:
    """A ``Summary`` holding one ``simple_value`` (what ``add_scalar`` writes).

    >>> scalar("loss", 0.5).value[0].simple_value
    0.5
    """
    pb = require_tensorboard()
    v = to_numpy(value)
    if v.size != 1:
        raise ValueError(f"add_scalar: `scalar_value` must hold one number, got shape {v.shape}")
    return pb.Summary(value=[pb.Summary.Value(tag=tag, simple_value=float(v.reshape(())))])


def _tensorflow_edges() -> np.ndarray:
    """TensorFlow's default histogram bucket edges: ±1e-12·1.1^k up to 1e20, and 0."""
    pos = [1e-12]
    while pos[-1] < 1e20:
        pos.append(pos[-1] * 1.1)
    pos_a = np.array(pos)
    return np.concatenate([-pos_a[::-1], [0.0], pos_a])


def histogram(tag: str, values: Any, bins: Any = "tensorflow", max_bins: int | None = None) -> Any:
    """A ``Summary`` holding a ``HistogramProto`` of ``values`` (what ``add_histogram`` writes).

    ``bins``: ``"tensorflow"`` (TensorBoard's exponential buckets) or anything
    ``numpy.histogram`` takes (``"auto"``, ``"fd"``, an int, edges); ``max_bins`` merges
    neighbouring buckets until at most that many remain.

    >>> h = histogram("w", [0.0, 1.0, 1.0, 3.0], bins=3).value[0].histo
    >>> h.num, h.min, h.max, list(h.bucket)
    (4.0, 0.0, 3.0, [1.0, 2.0, 1.0])
    """
    pb = require_tensorboard()
    v = to_numpy(values).astype(np.float64).ravel()
    if v.size == 0:
        raise ValueError(f"add_histogram: `values` for {tag!r} is empty")
    if not np.isfinite(v).all():
        raise ValueError(f"add_histogram: `values` for {tag!r} holds NaN or Inf")
    counts, edges = np.histogram(v, bins=_tensorflow_edges() if bins == "tensorflow" else bins)
    if max_bins is not None and len(counts) > max_bins:
        k = -(-len(counts) // max_bins)  # merge k neighbouring buckets
        pad = (-len(counts)) % k
        counts = np.pad(counts, (0, pad)).reshape(-1, k).sum(axis=1)
        edges = np.concatenate([edges[:-1:k], edges[-1:]])
    nz = np.flatnonzero(counts)
    lo, hi = max(int(nz[0]) - 1, 0), int(nz[-1]) + 1  # keep one empty bucket on the left
    counts, limits = counts[lo:hi], edges[lo + 1:hi + 1]
    histo = pb.HistogramProto(min=float(v.min()), max=float(v.max()), num=float(v.size),
                              sum=float(v.sum()), sum_squares=float(np.dot(v, v)),
                              bucket_limit=limits.tolist(), bucket=counts.astype(float).tolist())
    return pb.Summary(value=[pb.Summary.Value(tag=tag, histo=histo)])


def image_hwc(img: Any, dataformats: str = "CHW") -> np.ndarray:
    """``img`` as an HWC uint8 array (1, 3 or 4 channels): floats are taken to lie in [0, 1]
    and scaled by 255, as in PyTorch; uint8 is kept.

    >>> image_hwc(np.ones((3, 2, 4))).shape, image_hwc(np.ones((2, 4)), "HW").max()
    ((2, 4, 3), np.uint8(255))
    """
    a = to_numpy(img)
    fmt = dataformats.upper()
    if sorted(fmt) not in (sorted("CHW"), sorted("HW")) or a.ndim != len(fmt):
        raise ValueError(f"add_image: `img_tensor` of shape {a.shape} does not match "
                         f"dataformats={dataformats!r} (CHW, HWC, HW or WH)")
    if "C" not in fmt:
        a, fmt = a[..., None], fmt + "C"
    a = np.transpose(a, [fmt.index(c) for c in "HWC"])
    if a.shape[2] not in (1, 3, 4):
        raise ValueError(f"add_image: an image needs 1, 3 or 4 channels, got {a.shape[2]} "
                         f"(shape {a.shape}, HWC)")
    if a.dtype != np.uint8:
        a = (np.clip(a.astype(np.float64), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return np.ascontiguousarray(a)


def png_bytes(hwc: np.ndarray) -> bytes:
    """Encode an HWC uint8 array (1, 3 or 4 channels) as PNG (zlib; no imaging library)."""
    h, w, c = hwc.shape
    color = {1: 0, 3: 2, 4: 6}[c]  # grey, RGB, RGBA

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = np.concatenate([np.zeros((h, 1), np.uint8), hwc.reshape(h, w * c)], axis=1)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + chunk(b"IEND", b""))


def image(tag: str, img: Any, dataformats: str = "CHW") -> Any:
    """A ``Summary`` holding ``img`` as a PNG (what ``add_image`` writes).

    >>> image("x", np.zeros((1, 4, 5))).value[0].image.width
    5
    """
    pb = require_tensorboard()
    a = image_hwc(img, dataformats)
    im = pb.Summary.Image(height=a.shape[0], width=a.shape[1], colorspace=a.shape[2],
                          encoded_image_string=png_bytes(a))
    return pb.Summary(value=[pb.Summary.Value(tag=tag, image=im)])


def text(tag: str, text_string: str) -> Any:
    """A ``Summary`` holding a string tensor for the text plugin (tag ``<tag>/text_summary``).

    >>> text("notes", "hi").value[0].tag
    'notes/text_summary'
    """
    pb = require_tensorboard()
    from tensorboard.compat.proto import tensor_pb2, tensor_shape_pb2, types_pb2

    tensor = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_STRING, string_val=[str(text_string).encode("utf-8")],
        tensor_shape=tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=1)]))
    meta = pb.SummaryMetadata(plugin_data=pb.SummaryMetadata.PluginData(plugin_name="text"))
    return pb.Summary(value=[pb.Summary.Value(tag=f"{tag}/text_summary", metadata=meta,
                                              tensor=tensor)])


def hparams(hparam_dict: dict[str, Any], metric_dict: dict[str, Any],
            hparam_domain_discrete: dict[str, list[Any]] | None = None) -> tuple[Any, Any, Any]:
    """The experiment, session-start and session-end summaries of the hparams plugin.

    >>> exp, start, end = hparams({"lr": 0.1, "opt": "sgd"}, {"hparam/acc": 0.9})
    >>> start.value[0].tag
    '_hparams_/session_start_info'
    """
    pb = require_tensorboard()
    from google.protobuf import struct_pb2
    from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2

    if not isinstance(hparam_dict, dict) or not isinstance(metric_dict, dict):
        raise TypeError("add_hparams: `hparam_dict` and `metric_dict` must be dicts")
    domains = hparam_domain_discrete or {}
    infos, values = [], {}
    for k, v in hparam_dict.items():
        if v is None:
            continue
        if isinstance(v, bool):
            val, kind = struct_pb2.Value(bool_value=v), api_pb2.DATA_TYPE_BOOL
        elif isinstance(v, (int, float, np.integer, np.floating)):
            val, kind = struct_pb2.Value(number_value=float(v)), api_pb2.DATA_TYPE_FLOAT64
        elif isinstance(v, str):
            val, kind = struct_pb2.Value(string_value=v), api_pb2.DATA_TYPE_STRING
        else:
            v = to_numpy(v)
            if v.size != 1:
                raise ValueError(f"add_hparams: hparam {k!r} must be a bool, number, string or "
                                 f"one-element tensor, got shape {v.shape}")
            val, kind = struct_pb2.Value(number_value=float(v.reshape(()))), \
                api_pb2.DATA_TYPE_FLOAT64
        info = api_pb2.HParamInfo(name=k, type=kind)
        if k in domains:
            info.domain_discrete.extend(
                [d if isinstance(d, (bool, str)) else float(d) for d in domains[k]])
        infos.append(info)
        values[k] = val

    def summary(tag: str, **data: Any) -> Any:
        content = plugin_data_pb2.HParamsPluginData(version=metadata.PLUGIN_DATA_VERSION, **data)
        meta = pb.SummaryMetadata(plugin_data=pb.SummaryMetadata.PluginData(
            plugin_name=metadata.PLUGIN_NAME, content=content.SerializeToString()))
        return pb.Summary(value=[pb.Summary.Value(tag=tag, metadata=meta)])

    metrics = [api_pb2.MetricInfo(name=api_pb2.MetricName(tag=k)) for k in metric_dict]
    exp = summary(metadata.EXPERIMENT_TAG,
                  experiment=api_pb2.Experiment(hparam_infos=infos, metric_infos=metrics))
    session = plugin_data_pb2.SessionStartInfo()
    for k, val in values.items():
        session.hparams[k].CopyFrom(val)
    start = summary(metadata.SESSION_START_INFO_TAG, session_start_info=session)
    end = summary(metadata.SESSION_END_INFO_TAG,
                  session_end_info=plugin_data_pb2.SessionEndInfo(status=api_pb2.STATUS_SUCCESS))
    return exp, start, end
