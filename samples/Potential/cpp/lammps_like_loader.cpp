// Loads a deployed E3Sharp potential the way a LAMMPS pair style (NequIP's pair_nequip) does, evaluates one
// configuration and prints energy and forces as JSON.
//
//   lammps_like_loader MODEL.pt CONFIG.txt [--method NAME | --tuple] [--no-freeze]
//
// CONFIG.txt: first line N, then N lines "type x y z" (type: 0-based species index, positions in Å).
//
// Steps, as in pair_nequip.cpp:
//   1. torch::jit::load with the metadata extra files (r_max, n_species, type_names, model_dtype);
//   2. eval() and torch::jit::freeze (keeping the pair-style method);
//   3. build the neighbour list from r_max: every ordered pair (i, j), i != j, |r_j - r_i| < r_max, row 0 = i;
//   4. call the method with a Dict[str, Tensor] {pos, edge_index, atom_types} and read total_energy, forces and
//      atomic_energy from the returned dict (or, with --tuple, call forward(pos, edge_index, atom_types) ->
//      (energy, forces)).
#include <torch/script.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

[[noreturn]] void fail(const std::string& message) {
    std::cerr << "lammps_like_loader: " << message << std::endl;
    std::exit(2);
}

struct Config {
    std::vector<int64_t> types;
    std::vector<double> pos;  // N x 3, row-major
};

Config read_config(const std::string& path) {
    std::ifstream in(path);
    if (!in) fail("cannot open configuration file '" + path + "'");
    long n = -1;
    in >> n;
    if (!in || n < 1) fail("configuration file '" + path + "' must start with a positive atom count");
    Config c;
    c.types.resize(n);
    c.pos.resize(3 * n);
    for (long i = 0; i < n; ++i) {
        in >> c.types[i] >> c.pos[3 * i] >> c.pos[3 * i + 1] >> c.pos[3 * i + 2];
        if (!in) fail("configuration file '" + path + "': bad line for atom " + std::to_string(i));
    }
    return c;
}

void print_json(double energy, const torch::Tensor& forces, const torch::Tensor* atomic) {
    auto f = forces.to(torch::kFloat64).contiguous();
    auto fa = f.accessor<double, 2>();
    std::printf("{\n  \"energy\": %.17g,\n  \"forces\": [", energy);
    for (int64_t i = 0; i < f.size(0); ++i) {
        std::printf("%s[%.17g, %.17g, %.17g]", i ? ", " : "", fa[i][0], fa[i][1], fa[i][2]);
    }
    std::printf("]");
    if (atomic != nullptr) {
        auto a = atomic->to(torch::kFloat64).reshape({-1}).contiguous();
        auto aa = a.accessor<double, 1>();
        std::printf(",\n  \"atomic_energy\": [");
        for (int64_t i = 0; i < a.size(0); ++i) std::printf("%s%.17g", i ? ", " : "", aa[i]);
        std::printf("]");
    }
    std::printf("\n}\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: lammps_like_loader MODEL.pt CONFIG.txt [--method NAME | --tuple] [--no-freeze]\n";
        return 1;
    }
    std::string model_path = argv[1];
    std::string config_path = argv[2];
    std::string method = "pair_forward";
    bool tuple = false;
    bool freeze = true;
    for (int a = 3; a < argc; ++a) {
        std::string arg = argv[a];
        if (arg == "--method" && a + 1 < argc) {
            method = argv[++a];
        } else if (arg == "--tuple") {
            tuple = true;
        } else if (arg == "--no-freeze") {
            freeze = false;
        } else {
            fail("unknown argument '" + arg + "'");
        }
    }

    // 1. Load with metadata, as pair_nequip does.
    std::unordered_map<std::string, std::string> metadata = {
        {"r_max", ""}, {"n_species", ""}, {"type_names", ""}, {"model_dtype", ""}};
    torch::jit::Module model;
    try {
        model = torch::jit::load(model_path, torch::kCPU, metadata);
    } catch (const c10::Error& e) {
        fail("torch::jit::load failed: " + std::string(e.what_without_backtrace()));
    }
    if (metadata["r_max"].empty()) fail("the archive has no extra/r_max metadata");
    const double r_max = std::stod(metadata["r_max"]);
    const long n_species = metadata["n_species"].empty() ? -1 : std::stol(metadata["n_species"]);
    const auto dtype = metadata["model_dtype"] == "float64" ? torch::kFloat64 : torch::kFloat32;
    std::cerr << "loaded " << model_path << ": r_max=" << r_max << " n_species=" << n_species << " type_names='"
              << metadata["type_names"] << "' model_dtype=" << (dtype == torch::kFloat64 ? "float64" : "float32")
              << std::endl;

    // 2. Eval and freeze (pair_nequip: model.eval(); model = torch::jit::freeze(model)).
    model.eval();
    if (freeze) {
        std::vector<std::string> keep;
        if (!tuple) keep.push_back(method);
        model = torch::jit::freeze(model, keep);
    }

    // 3. Neighbour list within r_max.
    Config c = read_config(config_path);
    const int64_t n = static_cast<int64_t>(c.types.size());
    for (auto t : c.types) {
        if (t < 0 || (n_species > 0 && t >= n_species)) fail("species index " + std::to_string(t) + " out of range");
    }
    std::vector<int64_t> centres, neighbours;
    for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = 0; j < n; ++j) {
            if (i == j) continue;
            double dx = c.pos[3 * j] - c.pos[3 * i], dy = c.pos[3 * j + 1] - c.pos[3 * i + 1],
                   dz = c.pos[3 * j + 2] - c.pos[3 * i + 2];
            if (dx * dx + dy * dy + dz * dz < r_max * r_max) {
                centres.push_back(i);
                neighbours.push_back(j);
            }
        }
    }
    const int64_t e = static_cast<int64_t>(centres.size());
    auto edge_index = torch::empty({2, e}, torch::kInt64);
    for (int64_t k = 0; k < e; ++k) {
        edge_index[0][k] = centres[k];
        edge_index[1][k] = neighbours[k];
    }
    auto pos = torch::from_blob(c.pos.data(), {n, 3}, torch::kFloat64).clone().to(dtype);
    auto atom_types = torch::from_blob(c.types.data(), {n}, torch::kInt64).clone();

    // 4. Evaluate.
    try {
        if (tuple) {
            auto out = model.forward({pos, edge_index, atom_types}).toTuple();
            auto energy = out->elements()[0].toTensor();
            auto forces = out->elements()[1].toTensor();
            print_json(energy.to(torch::kFloat64).sum().item<double>(), forces, nullptr);
        } else {
            c10::Dict<std::string, torch::Tensor> input;
            input.insert("pos", pos);
            input.insert("edge_index", edge_index);
            input.insert("atom_types", atom_types);
            auto output = model.get_method(method)({input}).toGenericDict();
            auto energy = output.at("total_energy").toTensor();
            auto forces = output.at("forces").toTensor();
            auto atomic = output.at("atomic_energy").toTensor();
            print_json(energy.to(torch::kFloat64).sum().item<double>(), forces, &atomic);
        }
    } catch (const c10::Error& err) {
        fail("evaluation failed: " + std::string(err.what_without_backtrace()));
    }
    return 0;
}
