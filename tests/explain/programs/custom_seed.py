"""backward with an explicit gradient, as in the autograd tutorial's vector-Jacobian product."""
import chainrule as cr

v = cr.tensor([1.0, 2.0], requires_grad=True)
y = v * cr.tensor([3.0, 4.0])
y.backward(gradient=cr.tensor([10.0, 100.0]))
print("grad", v.grad.tolist())
