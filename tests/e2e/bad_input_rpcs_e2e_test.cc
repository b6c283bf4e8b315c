// The bad-input catalogue, every RPC but uploads: bytes that do not parse,
// ids, paging, job specs, list filters, embeddings and downloads
// (tests/e2e/bad_input_catalogue.h).
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "tests/e2e/bad_input_catalogue.h"

namespace simclr::testing {
namespace {

using Code = grpc::StatusCode;

// The smallest spec that validates: pretraining on a local IDX file.
v1::JobSpec LocalPretrain() {
  v1::JobSpec spec;
  auto* local = spec.mutable_pretrain()->mutable_data()->mutable_train()->mutable_local();
  local->set_format(v1::DATASET_FORMAT_IDX);
  local->set_path("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
  spec.mutable_pretrain()->mutable_encoder()->mutable_builtin()->set_arch(
      v1::ARCHITECTURE_SMALL_CNN);
  return spec;
}

class BadRpcs : public BadInputCatalogue {
 public:
  void SetUp() override { StartServer(); }

  BadInput Raw(const std::string& name, const std::string& method, const std::string& bytes,
               Code code = Code::INVALID_ARGUMENT,
               const std::string& text = "request: the bytes do not parse") {
    return {"bytes that do not parse", name, [=] { return RawUnary(method, bytes); }, code, text};
  }

  template <typename Call>
  BadInput Case(const std::string& area, const std::string& name, Call call, Code code,
                const std::string& text) {
    return {area, name, std::function<grpc::Status()>(call), code, text};
  }

  BadInput Submit(const std::string& name, std::function<void(v1::SubmitJobRequest&)> edit,
                  Code code, const std::string& text) {
    return Case("job specs", name, [this, edit] {
      v1::SubmitJobRequest request;
      *request.mutable_spec() = LocalPretrain();
      edit(request);
      v1::Job job;
      return jobs_->SubmitJob(Context().get(), request, &job);
    }, code, text);
  }

  BadInput Embed(const std::string& name, std::function<void(v1::EmbedRequest&)> edit, Code code,
                 const std::string& text) {
    return Case("embedding", name, [this, edit] {
      v1::EmbedRequest request;
      request.mutable_model()->set_checkpoint_id("ckpt-0123456789ab-8");
      request.add_images()->set_encoded("x");
      edit(request);
      v1::EmbedResponse response;
      return embed_->Embed(Context().get(), request, &response);
    }, code, text);
  }

  grpc::Status Download(const v1::DownloadCheckpointRequest& request) {
    auto context = Context();
    auto reader = checkpoints_->DownloadCheckpoint(context.get(), request);
    v1::DownloadCheckpointResponse chunk;
    while (reader->Read(&chunk)) {
    }
    return reader->Finish();
  }

  grpc::Status Watch(const v1::WatchJobRequest& request) {
    auto context = Context(5);
    auto reader = jobs_->WatchJob(context.get(), request);
    v1::JobEvent event;
    while (reader->Read(&event)) {
    }
    return reader->Finish();
  }
};

std::vector<BadInput> RawCases(BadRpcs& t) {
  return {
      t.Raw("GetDataset, id not UTF-8", "/simclr.v1.DatasetService/GetDataset",
            std::string("\x0a\x02\xff\xfe", 4)),
      t.Raw("GetJob, truncated", "/simclr.v1.JobService/GetJob", "\x0a\x05" "abc"),
      t.Raw("SubmitJob, garbage", "/simclr.v1.JobService/SubmitJob", "\xff\xff\xff\xff"),
      t.Raw("SubmitJob, request_id not UTF-8", "/simclr.v1.JobService/SubmitJob",
            "\x12\x02\xc3\x28"),
      t.Raw("ListJobs, page_token not UTF-8", "/simclr.v1.JobService/ListJobs", "\x12\x01\xff"),
      t.Raw("GetCheckpoint, truncated varint", "/simclr.v1.CheckpointService/GetCheckpoint",
            "\x0a\x80"),
      t.Raw("Embed, bad bytes", "/simclr.v1.EmbeddingService/Embed", "\x0a\x03\x0a\x01\xff"),
      {"bytes that do not parse", "WatchJob, id not UTF-8",
       [&t] { return t.RawServerStream("/simclr.v1.JobService/WatchJob", "\x0a\x01\xff"); },
       Code::INVALID_ARGUMENT, "request: the bytes do not parse"},
      {"bytes that do not parse", "DownloadCheckpoint, truncated",
       [&t] {
         return t.RawServerStream("/simclr.v1.CheckpointService/DownloadCheckpoint", "\x0a\x09ckpt");
       },
       Code::INVALID_ARGUMENT, "request: the bytes do not parse"},
      t.Raw("an unknown method", "/simclr.v1.JobService/DropTables", "", Code::UNIMPLEMENTED, ""),
  };
}

std::vector<BadInput> IdCases(BadRpcs& t) {
  const auto get_dataset = [&t](const std::string& id) {
    return [&t, id] {
      v1::GetDatasetRequest request;
      request.set_dataset_id(id);
      v1::Dataset dataset;
      return t.datasets_->GetDataset(Context().get(), request, &dataset);
    };
  };
  const auto job_call = [&t](const std::string& rpc, const std::string& id) {
    return [&t, rpc, id] {
      v1::Job job;
      if (rpc == "get") {
        v1::GetJobRequest r;
        r.set_job_id(id);
        return t.jobs_->GetJob(Context().get(), r, &job);
      }
      if (rpc == "cancel") {
        v1::CancelJobRequest r;
        r.set_job_id(id);
        return t.jobs_->CancelJob(Context().get(), r, &job);
      }
      if (rpc == "pause") {
        v1::PauseJobRequest r;
        r.set_job_id(id);
        return t.jobs_->PauseJob(Context().get(), r, &job);
      }
      v1::ResumeJobRequest r;
      r.set_job_id(id);
      return t.jobs_->ResumeJob(Context().get(), r, &job);
    };
  };
  const auto get_checkpoint = [&t](const std::string& id) {
    return [&t, id] {
      v1::GetCheckpointRequest request;
      request.set_checkpoint_id(id);
      v1::Checkpoint checkpoint;
      return t.checkpoints_->GetCheckpoint(Context().get(), request, &checkpoint);
    };
  };
  const auto list_checkpoints = [&t](const std::string& job_id) {
    return [&t, job_id] {
      v1::ListCheckpointsRequest request;
      request.set_job_id(job_id);
      v1::ListCheckpointsResponse response;
      return t.checkpoints_->ListCheckpoints(Context().get(), request, &response);
    };
  };
  const auto download = [&t](const std::string& id, const std::string& file) {
    return [&t, id, file] {
      v1::DownloadCheckpointRequest request;
      request.set_checkpoint_id(id);
      request.set_file(file);
      return t.Download(request);
    };
  };
  const auto watch = [&t](const std::string& id) {
    return [&t, id] {
      v1::WatchJobRequest request;
      request.set_job_id(id);
      return t.Watch(request);
    };
  };
  const std::string area = "ids";
  const Code bad = Code::INVALID_ARGUMENT, none = Code::NOT_FOUND;
  return {
      t.Case(area, "GetDataset \"\"", get_dataset(""), bad, "dataset_id: required"),
      t.Case(area, "GetDataset traversal", get_dataset("../../simclr.db"), bad, "dataset_id"),
      t.Case(area, "GetDataset 100 KB id", get_dataset(std::string(100000, 'd')), bad,
             "is not a dataset id"),
      t.Case(area, "GetDataset unknown", get_dataset("ds-0123456789ab"), none, "ds-0123456789ab"),
      t.Case(area, "DeleteDataset traversal",
             [&t] {
               v1::DeleteDatasetRequest request;
               request.set_dataset_id("ds-../../jobs");
               v1::DeleteDatasetResponse response;
               return t.datasets_->DeleteDataset(Context().get(), request, &response);
             },
             bad, "dataset_id"),
      t.Case(area, "GetJob upper-case hex", job_call("get", "job-ABC"), bad, "job_id"),
      t.Case(area, "GetJob unknown", job_call("get", "job-0123456789ab"), none, "job-0123456789ab"),
      t.Case(area, "CancelJob \"\"", job_call("cancel", ""), bad, "job_id: required"),
      t.Case(area, "PauseJob unknown", job_call("pause", "job-0123456789ab"), none, "not found"),
      t.Case(area, "ResumeJob traversal", job_call("resume", "job-../../etc"), bad, "job_id"),
      t.Case(area, "GetCheckpoint malformed", get_checkpoint("ckpt-0123-x"), bad, "checkpoint_id"),
      t.Case(area, "GetCheckpoint unknown", get_checkpoint("ckpt-0123456789ab-5"), none, ""),
      t.Case(area, "ListCheckpoints bad job_id", list_checkpoints("job-zz"), bad, "job_id"),
      t.Case(area, "ListCheckpoints unknown job", list_checkpoints("job-0123456789ab"), none, ""),
      t.Case(area, "Download \"\"", download("", ""), bad, "checkpoint_id: required"),
      t.Case(area, "Download traversal file", download("ckpt-0123456789ab-5", "../../../simclr.db"),
             none, ""),
      t.Case(area, "WatchJob \"\"", watch(""), bad, "job_id: required"),
      t.Case(area, "WatchJob unknown", watch("job-0123456789ab"), none, "not found"),
  };
}

std::vector<BadInput> PagingCases(BadRpcs& t) {
  const auto datasets = [&t](int32_t size, const std::string& token) {
    return [&t, size, token] {
      v1::ListDatasetsRequest request;
      request.set_page_size(size);
      request.set_page_token(token);
      v1::ListDatasetsResponse response;
      return t.datasets_->ListDatasets(Context().get(), request, &response);
    };
  };
  const auto jobs = [&t](const std::string& token) {
    return [&t, token] {
      v1::ListJobsRequest request;
      request.set_page_token(token);
      v1::ListJobsResponse response;
      return t.jobs_->ListJobs(Context().get(), request, &response);
    };
  };
  const std::string area = "paging";
  const Code bad = Code::INVALID_ARGUMENT;
  return {
      t.Case(area, "page_size -1", datasets(-1, ""), bad, "page_size: -1"),
      t.Case(area, "page_size 1001", datasets(1001, ""), bad, "page_size: 1001"),
      t.Case(area, "page_size INT32_MAX", datasets(INT32_MAX, ""), bad, "page_size"),
      t.Case(area, "page_size INT32_MIN", datasets(INT32_MIN, ""), bad, "page_size"),
      t.Case(area, "token -1", jobs("-1"), bad, "page_token: not a token from ListJobs"),
      t.Case(area, "token abc", jobs("abc"), bad, "page_token"),
      t.Case(area, "token 1e3", jobs("1e3"), bad, "page_token"),
      t.Case(area, "token INT64_MAX", jobs("9223372036854775807"), bad, "page_token"),
      t.Case(area, "token with a space", jobs(" 1"), bad, "page_token"),
      t.Case(area, "token 10 KB", jobs(std::string(10000, '9')), bad, "page_token"),
  };
}

std::vector<BadInput> SpecCases(BadRpcs& t) {
  using R = v1::SubmitJobRequest;
  const Code bad = Code::INVALID_ARGUMENT;
  return {
      t.Submit("no spec", [](R& r) { r.clear_spec(); }, bad, "spec: required"),
      t.Submit("no kind", [](R& r) { r.mutable_spec()->clear_pretrain(); }, bad, "spec.kind"),
      t.Submit("a 300 KB spec", [](R& r) { r.mutable_spec()->set_display_name(std::string(300000, 'n')); },
               bad, "spec: 300"),
      t.Submit("request_id 129 bytes", [](R& r) { r.set_request_id(std::string(129, 'r')); }, bad,
               "request_id: 129 bytes"),
      t.Submit("33 labels",
               [](R& r) {
                 for (int i = 0; i < 33; ++i) (*r.mutable_spec()->mutable_labels())["k" + std::to_string(i)] = "";
               },
               bad, "spec.labels: 33 entries"),
      t.Submit("learning rate NaN",
               [](R& r) {
                 r.mutable_spec()->mutable_pretrain()->mutable_optimizer()->set_learning_rate(
                     std::numeric_limits<double>::quiet_NaN());
               },
               bad, "spec.pretrain.optimizer.learning_rate"),
      t.Submit("priority 101", [](R& r) { r.mutable_spec()->set_priority(101); }, bad, "spec.priority"),
      t.Submit("relative local path",
               [](R& r) {
                 r.mutable_spec()->mutable_pretrain()->mutable_data()->mutable_train()->mutable_local()->set_path(
                     "../../etc/passwd");
               },
               grpc::StatusCode::PERMISSION_DENIED, "spec.pretrain.data.train.local.path"),
      t.Submit("unknown dataset id",
               [](R& r) {
                 r.mutable_spec()->mutable_pretrain()->mutable_data()->mutable_train()->set_dataset_id(
                     "ds-0123456789ab");
               },
               Code::FAILED_PRECONDITION, "spec.pretrain.data.train.dataset_id"),
      t.Submit("device cuda:7 on a CPU server", [](R& r) { r.mutable_spec()->set_device("cuda:7"); },
               bad, "spec.device"),
      t.Submit("num_ranks 2", [](R& r) { r.mutable_spec()->set_num_ranks(2); }, bad, "num_ranks"),
      t.Submit("validate_only still validates",
               [](R& r) {
                 r.set_validate_only(true);
                 r.mutable_spec()->set_priority(-101);
               },
               bad, "spec.priority"),
      t.Submit("label value not UTF-8",
               [](R& r) { (*r.mutable_spec()->mutable_labels())["team"] = "\xff"; }, bad, "request"),
  };
}

std::vector<BadInput> FilterCases(BadRpcs& t) {
  const auto list = [&t](std::function<void(v1::ListJobsRequest&)> edit) {
    return [&t, edit] {
      v1::ListJobsRequest request;
      edit(request);
      v1::ListJobsResponse response;
      return t.jobs_->ListJobs(Context().get(), request, &response);
    };
  };
  using L = v1::ListJobsRequest;
  const std::string area = "list filters";
  const Code bad = Code::INVALID_ARGUMENT;
  return {
      t.Case(area, "9 states", list([](L& r) { for (int i = 0; i < 9; ++i) r.add_states(v1::JOB_STATE_QUEUED); }),
             bad, "states: 9 values"),
      t.Case(area, "state 99", list([](L& r) { r.add_states(static_cast<v1::JobState>(99)); }), bad,
             "states[0]: 99 is not a known value"),
      t.Case(area, "kind unspecified", list([](L& r) { r.add_kinds(v1::JOB_KIND_UNSPECIFIED); }), bad,
             "kinds[0]: required"),
      t.Case(area, "33 labels",
             list([](L& r) { for (int i = 0; i < 33; ++i) (*r.mutable_labels())["k" + std::to_string(i)] = ""; }),
             bad, "labels: 33 entries"),
  };
}

std::vector<BadInput> EmbedCases(BadRpcs& t) {
  using E = v1::EmbedRequest;
  const Code bad = Code::INVALID_ARGUMENT;
  return {
      t.Embed("no model", [](E& r) { r.clear_model(); }, bad, "model: set checkpoint_id or job_id"),
      t.Embed("checkpoint id traversal", [](E& r) { r.mutable_model()->set_checkpoint_id("../x"); }, bad,
              "model.checkpoint_id"),
      t.Embed("job id malformed", [](E& r) { r.mutable_model()->set_job_id("job-zz"); }, bad, "model.job_id"),
      t.Embed("0 images", [](E& r) { r.clear_images(); }, bad, "images: 0 images"),
      t.Embed("1025 images", [](E& r) { for (int i = 0; i < 1024; ++i) r.add_images()->set_encoded("x"); },
              bad, "images: 1025 images"),
      t.Embed("request_id 129 bytes", [](E& r) { r.set_request_id(std::string(129, 'r')); }, bad,
              "request_id: 129 bytes"),
      t.Embed("unknown checkpoint", [](E&) {}, Code::NOT_FOUND, ""),
      t.Embed("unknown job", [](E& r) { r.mutable_model()->set_job_id("job-0123456789ab"); }, Code::NOT_FOUND,
              ""),
  };
}

std::vector<BadInput> DownloadCases(BadRpcs& t) {
  const auto download = [&t](int32_t chunk_size) {
    return [&t, chunk_size] {
      v1::DownloadCheckpointRequest request;
      request.set_checkpoint_id("ckpt-0123456789ab-5");
      request.set_chunk_size(chunk_size);
      return t.Download(request);
    };
  };
  return {
      t.Case("downloads", "chunk_size -1", download(-1), Code::INVALID_ARGUMENT, "chunk_size: -1"),
      t.Case("downloads", "chunk_size 5 MiB", download(5 << 20), Code::INVALID_ARGUMENT, "chunk_size"),
  };
}

TEST_F(BadRpcs, EveryBadRequestIsRefusedWithItsCodeAndLeavesNothing) {
  std::vector<BadInput> cases;
  for (auto part : {RawCases(*this), IdCases(*this), PagingCases(*this), SpecCases(*this),
                    FilterCases(*this), EmbedCases(*this), DownloadCases(*this)}) {
    cases.insert(cases.end(), part.begin(), part.end());
  }
  RunCatalogue(cases);
  EXPECT_GE(cases.size(), 50u);
}

}  // namespace
}  // namespace simclr::testing
