"""The autograd engine: tensors, recorded graph nodes, and the backward walk. It knows no specific op."""
