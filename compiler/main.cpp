// selinonc: the Selinon flow compiler's command line.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <set>

#include "emit/emit.hpp"
#include "frontend.hpp"
#include "inspect/model_json.hpp"
#include "plot/plot.hpp"
#include "plot/render.hpp"
#include "version.hpp"

namespace {

using namespace selinon;

struct CommonOptions {
  std::vector<std::string> files;
  bool no_check = false;
  std::string color = "auto";
};

void add_common(CLI::App* cmd, CommonOptions& common) {
  cmd->add_option("files", common.files,
                  "NODES [FLOWS...]: the nodes file first, then flow files or directories of *.yml/*.yaml; a single "
                  "file holding both tasks and flow-definitions is given once")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_flag("--no-check", common.no_check,
                "skip Selinon's consistency checks and lints (only parse and model; as selinon-cli --no-check)");
  cmd->add_option("--color", common.color, "colour diagnostics: auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
}

bool use_color(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  return isatty(fileno(stderr)) != 0 && std::getenv("NO_COLOR") == nullptr;
}

void print_diagnostics(const FrontEnd& fe, const std::string& color, bool summary) {
  bool c = use_color(color);
  for (const auto& d : fe.sink.all()) std::cerr << diag::render_text(d, c);
  if (summary && (fe.sink.error_count() || fe.sink.warning_count())) {
    std::cerr << fmt::format("{} error{} and {} warning{} generated.\n", fe.sink.error_count(),
                             fe.sink.error_count() == 1 ? "" : "s", fe.sink.warning_count(),
                             fe.sink.warning_count() == 1 ? "" : "s");
  }
}

}  // namespace

int main(int argc, char** argv) {
  // -W switches follow the compiler convention (-Wno-NAME, -Werror=NAME); CLI11 cannot parse them, so take them out.
  diag::WarningPolicy policy;
  std::vector<std::string> args;
  std::vector<std::string> bad_switches;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.size() > 2 && a[0] == '-' && a[1] == 'W') {
      if (auto err = policy.apply(a)) bad_switches.push_back(*err);
      continue;
    }
    args.push_back(a);
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes the remaining arguments in reverse order

  CLI::App app{"selinonc: validate Selinon flow configurations and compile them to C++ state machines.\n"
               "Exit status: 0 when the configuration is valid, 1 when it has errors, 2 on bad usage.",
               "selinonc"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(SELINON_VERSION));

  CommonOptions common;
  std::string format = "text";
  bool werror = false;
  bool list_warnings = false;
  auto* check = app.add_subcommand("check",
                                   "Report every configuration error and lint warning, clang style.\n"
                                   "Warnings can be silenced with -Wno-NAME or promoted with -Werror=NAME; -Werror "
                                   "promotes all. Those off by default are enabled with -WNAME. See --list-warnings.");
  add_common(check, common);
  check->add_option("--format", format, "diagnostics as 'text' (stderr) or 'json' (stdout)")
      ->check(CLI::IsMember({"text", "json"}));
  check->add_flag("--werror", werror, "treat every warning as an error (same as -Werror)");
  check->add_flag("--list-warnings", list_warnings, "list the named warnings and exit");
  // The file list is required unless only listing warnings.
  check->get_option("files")->required(false);

  bool list_tasks = false, list_flows = false, list_queues = false, list_storages = false, dump_model = false;
  bool list_task_queues = false, list_dispatcher_queues = false, list_disabled_edges = false;
  auto* inspect = app.add_subcommand("inspect", "Show what a configuration defines (validates it first).");
  add_common(inspect, common);
  inspect->add_flag("--list-tasks", list_tasks, "one task per line: name, class, import, storage");
  inspect->add_flag("--list-flows", list_flows, "one flow per line: name and its number of edges");
  inspect->add_flag("--list-queues", list_queues, "every task:queue and flow:queue line (templates unexpanded)");
  inspect->add_flag("--list-task-queues", list_task_queues, "task:queue lines, as selinon-cli inspect");
  inspect->add_flag("--list-dispatcher-queues", list_dispatcher_queues, "flow:queue lines, as selinon-cli inspect");
  inspect->add_flag("--list-storages", list_storages, "one storage per line: name, class, import");
  inspect->add_flag("--list-disabled-edges", list_disabled_edges,
                    "edges switched off with 'condition: {name: alwaysFalse}', one per line: "
                    "'FLOW: edge N from [A, B] to [C]' (N counts from 0, as in diagnostics; [] for a starting edge)");
  inspect->add_flag("--dump-model", dump_model, "the whole model as JSON on stdout");

  std::string out_dir, depfile, depfile_target, cpp_namespace = "selinon_generated";
  bool mock_all = false;
  auto* compile = app.add_subcommand("compile",
                                     "Check the configuration, then write one C++ header and source per flow, the "
                                     "system registration and a worker entry point into -o DIR.\n"
                                     "Files are rewritten only when their text changes.");
  add_common(compile, common);
  compile->add_option("-o,--output", out_dir, "output directory")->required();
  compile->add_option("--depfile", depfile, "write a Makefile-style list of the YAML files read (for the build)");
  compile->add_option("--depfile-target", depfile_target, "target named in the depfile (default DIR/all_flows.cpp)");
  compile->add_option("--namespace", cpp_namespace, "C++ namespace of the generated code (default selinon_generated)");
  compile->add_flag("--mock-all-tasks", mock_all,
                    "bind no user code: every task, foreach function and custom predicate is scripted at run time "
                    "(worker --mock FILE)");

  plot::PlotOptions plot_options;
  std::string style_file, fast_layout = "auto";
  auto* plot_cmd = app.add_subcommand(
      "plot",
      "Draw every flow (or those named with --flow) as Selinon does: a condition vertex per edge (foreach edges as "
      "double octagons), tasks, sub-flows, storages, failures and fallbacks; nowait nodes, retries, throttling, "
      "timeouts and propagate_* options annotated. Writes DIR/<flow>.<format>. DOT is written by selinonc itself "
      "(byte-identical for the same input, rewritten only when it changes); SVG, PNG and PDF are rendered by "
      "Graphviz (" +
          (plot::renderer_name().empty() ? std::string("not available here: install graphviz")
                                         : "here: " + plot::renderer_name()) +
          ").");
  add_common(plot_cmd, common);
  plot_cmd->add_option("-o,--output-dir", plot_options.out_dir, "directory for the pictures (default: .)");
  plot_cmd->add_option("--format", plot_options.format, "dot, svg (default), png or pdf")
      ->check(CLI::IsMember({"dot", "svg", "png", "pdf"}));
  // One name per --flow, so the configuration files may follow it.
  plot_cmd->add_option("--flow", plot_options.flows, "draw only this flow (repeatable: --flow a --flow b)")
      ->allow_extra_args(false);
  plot_cmd->add_option("-c,--style,--config", style_file,
                       "style YAML as Selinon's: `style: {task: {fillcolor: red}, edge: {...}}`; keys task, flow, "
                       "condition, condition_foreach, storage, edge, store_edge, graph, fallback_edge, fallback_true "
                       "and nowait, each merged over the defaults")
      ->check(CLI::ExistingFile);
  plot_cmd->add_option("--layout", plot_options.layout,
                       "Graphviz layout engine: dot (default, layered), sfdp (fast force-directed for very large "
                       "flows), neato, fdp, circo, twopi");
  plot_cmd->add_option("--fast-layout", fast_layout,
                       "auto (default: on for flows of more than 400 vertices), on or off: straight arrows and bounded "
                       "crossing minimisation, so a 1,500-vertex flow lays out in seconds instead of minutes")
      ->check(CLI::IsMember({"auto", "on", "off"}));

  auto* version = app.add_subcommand("version", "Print the version of selinonc and of the configuration format.");

  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (!bad_switches.empty()) {
    for (const auto& b : bad_switches) std::cerr << "selinonc: error: " << b << "\n";
    return 2;
  }
  if (werror) policy.apply("-Werror");

  if (*version) {
    std::cout << fmt::format("selinonc {}\nSelinon configuration format {} ({})\n", SELINON_VERSION,
                             SELINON_FORMAT_VERSION, SELINON_FORMAT_CODENAME);
    return 0;
  }

  if (*check && list_warnings) {
    for (const auto& w : diag::warning_catalogue()) {
      std::cout << fmt::format("  -W{:<36} {}{}\n", w.name, w.summary, w.off_by_default ? " (off by default)" : "");
    }
    return 0;
  }
  if (*check && common.files.empty()) {
    std::cerr << "selinonc: error: check needs the configuration files (NODES [FLOWS...]); see --help\n";
    return 2;
  }

  FrontEnd fe(policy);
  check::CheckOptions options;
  options.consistency = options.lints = !common.no_check;
  options.mock_all_tasks = *compile && mock_all;
  bool ok = fe.run(model::config_files_from_args(common.files), options);

  if (*check) {
    if (format == "json") {
      std::cout << diag::render_json(fe.sink.all(), fe.sink.error_count(), fe.sink.warning_count());
    } else {
      print_diagnostics(fe, common.color, true);
    }
    return ok ? 0 : 1;
  }

  if (*compile) {
    if (ok) {
      try {
        emit::EmitOptions emit_options{out_dir, mock_all, depfile, depfile_target, cpp_namespace};
        auto result = emit::emit_system(*fe.system, emit_options);
        print_diagnostics(fe, common.color, false);
        std::cerr << fmt::format("selinonc: {} flows compiled into {} ({} of {} files changed)\n",
                                 fe.system->flows.size(), out_dir, result.changed, result.files.size());
        return fe.sink.has_errors() ? 1 : 0;
      } catch (const std::exception& e) {
        print_diagnostics(fe, common.color, false);
        std::cerr << "selinonc: error: " << e.what() << "\n";
        return 1;
      }
    }
    print_diagnostics(fe, common.color, true);
    return 1;
  }

  if (*plot_cmd) {
    if (!ok) {
      print_diagnostics(fe, common.color, true);
      return 1;
    }
    std::optional<plot::Style> style = plot::Style::defaults();
    if (!style_file.empty()) style = plot::load_style(style_file, fe.sources, fe.sink);
    if (!style) {
      print_diagnostics(fe, common.color, true);
      return 1;
    }
    plot_options.graph.fast_layout = fast_layout == "on"    ? plot::FastLayout::on
                                     : fast_layout == "off" ? plot::FastLayout::off
                                                            : plot::FastLayout::automatic;
    auto plotted = plot::plot_system(*fe.system, *style, plot_options, fe.sink, [](const plot::PlottedFlow& p) {
      std::cerr << fmt::format("selinonc: {} {} ({} vertices{}, {:.2f} s)\n", p.changed ? "wrote" : "unchanged",
                               p.path, p.vertices, p.fast_layout ? ", fast layout" : "", p.seconds);
    });
    print_diagnostics(fe, common.color, false);
    return fe.sink.has_errors() ? 1 : 0;
  }

  // inspect
  print_diagnostics(fe, common.color, true);
  if (!ok) return 1;
  const model::System& system = *fe.system;
  bool any = list_tasks || list_flows || list_queues || list_storages || dump_model || list_task_queues ||
             list_dispatcher_queues || list_disabled_edges;
  if (dump_model) {
    // Names and configuration blobs come from the YAML text, which need not be valid UTF-8; strict dumping throws.
    std::cout << inspect::model_to_json(system).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  if (list_tasks) {
    for (const auto& t : system.tasks) {
      std::cout << fmt::format("{}\tclass={}\timport={}\tstorage={}\n", t.name, t.classname, t.import,
                               t.storage ? t.storage->value : "-");
    }
  }
  if (list_flows) {
    for (const auto& f : system.flows) std::cout << fmt::format("{}\tedges={}\n", f.name, f.edges.size());
  }
  if (list_queues || list_task_queues) {
    for (const auto& t : system.tasks) std::cout << fmt::format("{}:{}\n", t.name, t.queue);
  }
  if (list_queues || list_dispatcher_queues) {
    for (const auto& f : system.flows) std::cout << fmt::format("{}:{}\n", f.name, f.queue);
  }
  if (list_storages) {
    for (const auto& s : system.storages) {
      std::cout << fmt::format("{}\tclass={}\timport={}\n", s.name, s.classname, s.import);
    }
  }
  if (list_disabled_edges) {
    auto names = [](const std::vector<model::Name>& nodes) {
      std::string out;
      for (const auto& n : nodes) out += (out.empty() ? "" : ", ") + n.value;
      return out;
    };
    for (const auto& f : system.flows) {
      for (const auto& e : f.edges) {
        if (e.disabled()) std::cout << fmt::format("{}: edge {} from [{}] to [{}]\n", f.name, e.index, names(e.from), names(e.to));
      }
    }
  }
  if (!any) std::cout << "Your configuration looks OK.\n";
  return 0;
}
