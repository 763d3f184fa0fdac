"""PyTorch 1.13 side of build/test-package.sh: loads the consumer's saved model and compares its output on the saved
input with the C# eager output. Prints PASS/FAIL; exit status 0 when equal within 1e-5."""
import sys

import torch


def read(path):
    with open(path) as f:
        shape = [int(s) for s in f.readline().split()]
        values = [float(s) for s in f.readline().split()]
    return torch.tensor(values, dtype=torch.float32).reshape(shape)


def main(folder):
    model = torch.jit.load(f"{folder}/model.pt")
    x, expected = read(f"{folder}/input.txt"), read(f"{folder}/expected.txt")
    out = model(x)
    diff = (out - expected).abs().max().item()
    print(f"PyTorch {torch.__version__}: {type(model).__name__} {model.original_name}, output {tuple(out.shape)}, "
          f"max |diff| vs C# eager = {diff:.3g}")
    return 0 if out.shape == expected.shape and diff < 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
