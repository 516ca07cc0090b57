"""Neural-network building blocks: modules, layers, initialisation and the functional API.

>>> import minigrad as mg
>>> from minigrad import nn
>>> import minigrad.nn.functional as F
>>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
>>> net(mg.ones(3, 4)).shape
Size([3, 2])
>>> F.__name__
'minigrad.nn.functional'
"""

from minigrad.nn import functional, init, parallel, utils
from minigrad.nn._state import IncompatibleKeys, StateDictError
from minigrad.nn.activation import (
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Softmax2d,
    Softmin,
    Tanh,
)
from minigrad.nn.activation_piecewise import (
    GLU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    PReLU,
    ReLU6,
    RReLU,
    Softshrink,
    Threshold,
)
from minigrad.nn.activation_smooth import (
    CELU,
    ELU,
    GELU,
    SELU,
    LogSigmoid,
    Mish,
    SiLU,
    Softplus,
    Softsign,
    Tanhshrink,
)
from minigrad.nn.attention import MultiheadAttention
from minigrad.nn.containers import ModuleDict, ModuleList, Sequential
from minigrad.nn.conv import Conv2d
from minigrad.nn.conv_nd import Conv1d, Conv3d
from minigrad.nn.conv_transpose import ConvTranspose1d, ConvTranspose2d
from minigrad.nn.distance import CosineSimilarity, PairwiseDistance
from minigrad.nn.dropout import Dropout, Dropout1d, Dropout2d, Dropout3d
from minigrad.nn.embedding import Embedding
from minigrad.nn.fold import Fold, PixelShuffle, PixelUnshuffle, Unfold
from minigrad.nn.hooks import RemovableHandle
from minigrad.nn.layer_norm import (
    GroupNorm,
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
    LayerNorm,
    RMSNorm,
)
from minigrad.nn.lazy import (
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyConv1d,
    LazyConv2d,
    LazyLinear,
    UninitializedBuffer,
    UninitializedParameter,
)
from minigrad.nn.linear import Flatten, Identity, Linear, Unflatten
from minigrad.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from minigrad.nn.module import Module
from minigrad.nn.normalization import BatchNorm1d, BatchNorm2d
from minigrad.nn.padding import (
    CircularPad1d,
    CircularPad2d,
    CircularPad3d,
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReflectionPad3d,
    ReplicationPad1d,
    ReplicationPad2d,
    ReplicationPad3d,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
)
from minigrad.nn.parallel import DataParallel
from minigrad.nn.parameter import Parameter
from minigrad.nn.parameter_containers import ParameterDict, ParameterList
from minigrad.nn.pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
    Subsampling2d,
)
from minigrad.nn.rbf import RBF
from minigrad.nn.recurrent import GRU, LSTM, RNN, RNNBase
from minigrad.nn.recurrent_cells import GRUCell, LSTMCell, RNNCell, RNNCellBase
from minigrad.nn.transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from minigrad.nn.upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d

__all__ = [
    "RBF", "AdaptiveAvgPool2d", "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d",
    "BatchNorm2d", "Conv2d", "CrossEntropyLoss", "Dropout", "Flatten", "Identity",
    "IncompatibleKeys", "LeakyReLU", "Linear", "LogSoftmax", "MSELoss", "MaxPool2d", "Module",
    "ModuleDict", "ModuleList", "NLLLoss", "Parameter", "ReLU", "RemovableHandle", "Sequential",
    "Sigmoid", "Softmax", "StateDictError", "Subsampling2d", "Tanh", "Unflatten", "functional",
    "init",
]
__all__ += ["RReLU", "Softmax2d", "Softmin"]
__all__ += ["Embedding"]
__all__ += [  # activations and per-sample normalisation
    "CELU", "ELU", "GELU", "GLU", "SELU", "GroupNorm", "Hardshrink", "Hardsigmoid", "Hardswish",
    "Hardtanh", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LayerNorm", "LogSigmoid",
    "Mish", "PReLU", "RMSNorm", "ReLU6", "SiLU", "Softplus", "Softshrink", "Softsign",
    "Tanhshrink", "Threshold",
]
__all__ += [  # the nn surface: losses, conv, padding, resampling, distances, containers
    "CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
    "ConstantPad3d", "Conv1d", "ConvTranspose1d", "ConvTranspose2d", "CosineSimilarity",
    "Dropout1d", "Dropout2d", "Dropout3d", "Fold", "HuberLoss", "KLDivLoss", "L1Loss",
    "PairwiseDistance", "ParameterDict", "ParameterList", "PixelShuffle", "PixelUnshuffle",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "SmoothL1Loss", "Unfold", "Upsample",
    "UpsamplingBilinear2d", "UpsamplingNearest2d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
]
__all__ += [  # lazy modules
    "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyConv1d", "LazyConv2d", "LazyLinear",
    "UninitializedBuffer", "UninitializedParameter",
]
__all__ += ["Conv3d"]
__all__ += [  # pooling
    "AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AvgPool1d", "MaxPool1d",
]
__all__ += [  # attention and transformers
    "MultiheadAttention", "Transformer", "TransformerDecoder", "TransformerDecoderLayer",
    "TransformerEncoder", "TransformerEncoderLayer",
]
__all__ += [  # recurrent layers and cells
    "GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase", "utils",
]
__all__ += ["DataParallel", "parallel"]  # data parallelism (DDP: nn.parallel)
