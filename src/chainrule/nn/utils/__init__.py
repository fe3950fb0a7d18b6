"""`cr.nn.utils`: gradient clipping, flattening parameters to one vector and `stateless.functional_call`, as
`torch.nn.utils`."""

from chainrule.nn.utils import stateless
from chainrule.nn.utils.clip_grad import (
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)
from chainrule.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = [
    "clip_grad_norm",
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
    "parameters_to_vector",
    "stateless",
    "vector_to_parameters",
]
