# In the style of PyTorch's "Tensors" tutorial: creation, attributes, operations, the NumPy bridge.
import numpy as np
import torch

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
x_np = torch.from_numpy(np.array(data))
x_ones = torch.ones_like(x_data)
x_rand = torch.rand_like(x_data, dtype=torch.float)
shape = (2, 3)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)

tensor = torch.arange(12, dtype=torch.float32).reshape(3, 4)
device = tensor.device
tensor[:, 1] = 0
t1 = torch.cat([tensor, tensor, tensor], dim=1)
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.zeros_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
z1 = tensor * tensor
agg = tensor.sum()
agg_item = agg.item()
tensor.add_(5)
t = torch.ones(5)
n = t.numpy()
t.add_(1)

RESULT = {
    "x_data": x_data, "x_np": x_np, "x_ones": x_ones, "rand_shape": list(x_rand.shape),
    "rand_in_range": bool(((x_rand >= 0) & (x_rand < 1)).all()),
    "rand_dtype": str(x_rand.dtype).split(".")[-1],
    "ones": ones_tensor, "zeros": zeros_tensor, "shape_is_size": tensor.shape == torch.Size([3, 4]),
    "shape_repr": repr(tensor.shape).split(".")[-1], "size_dim": tensor.size(1),
    "device_type": device.type, "dtype": str(tensor.dtype).split(".")[-1],
    "t1": t1, "y1": y1, "y2": y2, "y3": y3, "z1": z1, "agg_item": agg_item, "agg_type": type(agg_item).__name__,
    "after_add_": tensor, "numpy_shares_memory": n.tolist(),
    "long_default": str(torch.tensor([1, 2]).dtype).split(".")[-1],
    "float_ctor": torch.Tensor([1, 2]),
}
