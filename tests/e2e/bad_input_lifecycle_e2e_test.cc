// The bad-input catalogue for what the many-users issue added: model
// uploads (header, chunks, checksum), model, delete and list-owner ids,
// keyset page tokens, and specs naming models (tests/e2e/bad_input_catalogue.h).
#include <string>
#include <vector>

#include "tests/e2e/bad_input_catalogue.h"

namespace simclr::testing {
namespace {

using Code = grpc::StatusCode;
constexpr char kSha[] = "0000000000000000000000000000000000000000000000000000000000000000";

class BadLifecycle : public BadInputCatalogue {
 public:
  void SetUp() override { StartServer({"--max_model_bytes=1000000"}); }

  // An upload of `messages` (a header, then chunks), as a client sends it.
  BadInput Upload(const std::string& name, std::vector<v1::UploadModelRequest> messages,
                  Code code, const std::string& text) {
    return {"model uploads", name,
            [this, messages] {
              auto context = Context();
              v1::Model model;
              auto writer = models_->UploadModel(context.get(), &model);
              for (const auto& message : messages) {
                if (!writer->Write(message)) break;
              }
              writer->WritesDone();
              return writer->Finish();
            },
            code, text};
  }

  static v1::UploadModelRequest Header(std::function<void(v1::ModelUploadHeader&)> edit) {
    v1::UploadModelRequest request;
    v1::ModelUploadHeader* header = request.mutable_header();
    header->set_size_bytes(4);
    header->set_sha256(kSha);
    edit(*header);
    return request;
  }

  static v1::UploadModelRequest Chunk(int64_t offset, const std::string& data) {
    v1::UploadModelRequest request;
    request.mutable_chunk()->set_offset(offset);
    request.mutable_chunk()->set_data(data);
    return request;
  }

  template <typename Call>
  BadInput Case(const std::string& area, const std::string& name, Call call, Code code,
                const std::string& text) {
    return {area, name, std::function<grpc::Status()>(call), code, text};
  }
};

using H = v1::ModelUploadHeader;

std::vector<BadInput> UploadCases(BadLifecycle& t) {
  const Code bad = Code::INVALID_ARGUMENT;
  const auto header = [](std::function<void(H&)> edit) { return BadLifecycle::Header(edit); };
  const auto keep = [](H&) {};
  return {
      t.Upload("a chunk first", {BadLifecycle::Chunk(0, "abcd")}, bad, "must be its header"),
      t.Upload("size 0", {header([](H& h) { h.set_size_bytes(0); })}, bad, "header.size_bytes"),
      t.Upload("size -1", {header([](H& h) { h.set_size_bytes(-1); })}, bad, "header.size_bytes"),
      t.Upload("size past --max_model_bytes", {header([](H& h) { h.set_size_bytes(1000001); })},
               bad, "header.size_bytes"),
      t.Upload("size INT64_MAX", {header([](H& h) { h.set_size_bytes(INT64_MAX); })}, bad,
               "header.size_bytes"),
      t.Upload("sha256 upper case", {header([](H& h) { h.set_sha256(std::string(64, 'A')); })},
               bad, "header.sha256"),
      t.Upload("sha256 short", {header([](H& h) { h.set_sha256("abc"); })}, bad,
               "header.sha256"),
      t.Upload("channels 2", {header([](H& h) { h.set_input_channels(2); h.set_input_size(32); })},
               bad, "header.input_channels"),
      t.Upload("size 7", {header([](H& h) { h.set_input_channels(3); h.set_input_size(7); })},
               bad, "header.input_size"),
      t.Upload("channels without size", {header([](H& h) { h.set_input_channels(3); })}, bad,
               "together"),
      t.Upload("display name 129 bytes",
               {header([](H& h) { h.set_display_name(std::string(129, 'n')); })}, bad,
               "header.display_name"),
      t.Upload("label key with a capital",
               {header([](H& h) { (*h.mutable_labels())["Team"] = "x"; })}, bad,
               "header.labels"),
      t.Upload("chunk at the wrong offset", {header(keep), BadLifecycle::Chunk(2, "ab")}, bad,
               "chunk.offset: 2, expected 0"),
      t.Upload("chunk past the declared size", {header(keep), BadLifecycle::Chunk(0, "abcdef")},
               bad, "past the declared 4 bytes"),
      t.Upload("chunk of 0 bytes", {header(keep), BadLifecycle::Chunk(0, "")}, bad,
               "chunks must be 1 byte to 1 MiB"),
      t.Upload("fewer bytes than declared", {header(keep), BadLifecycle::Chunk(0, "ab")}, bad,
               "upload incomplete: 2 of the declared 4"),
      t.Upload("SHA-256 mismatch", {header(keep), BadLifecycle::Chunk(0, "abcd")},
               Code::DATA_LOSS, "SHA-256 of the received bytes"),
      t.Upload("a second header", {header(keep), header(keep)}, bad,
               "only the first message of an upload may be a header"),
  };
}

std::vector<BadInput> IdCases(BadLifecycle& t) {
  const Code bad = Code::INVALID_ARGUMENT;
  const auto get_model = [&t](const std::string& id) {
    return [&t, id] {
      v1::GetModelRequest request;
      request.set_model_id(id);
      v1::Model model;
      return t.models_->GetModel(Context().get(), request, &model);
    };
  };
  const auto delete_model = [&t](const std::string& id) {
    return [&t, id] {
      v1::DeleteModelRequest request;
      request.set_model_id(id);
      v1::DeleteModelResponse response;
      return t.models_->DeleteModel(Context().get(), request, &response);
    };
  };
  const auto delete_job = [&t](const std::string& id) {
    return [&t, id] {
      v1::DeleteJobRequest request;
      request.set_job_id(id);
      v1::DeleteJobResponse response;
      return t.jobs_->DeleteJob(Context().get(), request, &response);
    };
  };
  const auto delete_checkpoint = [&t](const std::string& id) {
    return [&t, id] {
      v1::DeleteCheckpointRequest request;
      request.set_checkpoint_id(id);
      v1::DeleteCheckpointResponse response;
      return t.checkpoints_->DeleteCheckpoint(Context().get(), request, &response);
    };
  };
  const std::string area = "ids";
  return {
      t.Case(area, "GetModel \"\"", get_model(""), bad, "model_id: required"),
      t.Case(area, "GetModel a path", get_model("../../etc/passwd"), bad, "not a model id"),
      t.Case(area, "GetModel unknown", get_model("model-0123456789ab"), Code::NOT_FOUND,
             "model model-0123456789ab not found"),
      t.Case(area, "DeleteModel a job id", delete_model("job-0123456789ab"), bad,
             "not a model id"),
      t.Case(area, "DeleteModel unknown", delete_model("model-0123456789ab"), Code::NOT_FOUND,
             "not found"),
      t.Case(area, "DeleteJob \"\"", delete_job(""), bad, "job_id: required"),
      t.Case(area, "DeleteJob a dataset id", delete_job("ds-0123456789ab"), bad,
             "not a job id"),
      t.Case(area, "DeleteJob unknown", delete_job("job-0123456789ab"), Code::NOT_FOUND,
             "job job-0123456789ab not found"),
      t.Case(area, "DeleteCheckpoint a path", delete_checkpoint("ckpt-../../x-1"), bad,
             "not a checkpoint id"),
      t.Case(area, "DeleteCheckpoint unknown", delete_checkpoint("ckpt-0123456789ab-5"),
             Code::NOT_FOUND, "checkpoint ckpt-0123456789ab-5 not found"),
  };
}

std::vector<BadInput> ListAndSpecCases(BadLifecycle& t) {
  const Code bad = Code::INVALID_ARGUMENT;
  const auto list_jobs = [&t](std::function<void(v1::ListJobsRequest&)> edit) {
    return [&t, edit] {
      v1::ListJobsRequest request;
      edit(request);
      v1::ListJobsResponse response;
      return t.jobs_->ListJobs(Context().get(), request, &response);
    };
  };
  const auto list_models = [&t](const std::string& token) {
    return [&t, token] {
      v1::ListModelsRequest request;
      request.set_page_token(token);
      v1::ListModelsResponse response;
      return t.models_->ListModels(Context().get(), request, &response);
    };
  };
  const auto submit_model = [&t](const std::string& model_id) {
    return [&t, model_id] {
      v1::SubmitJobRequest request;
      auto* pretrain = request.mutable_spec()->mutable_pretrain();
      auto* local = pretrain->mutable_data()->mutable_train()->mutable_local();
      local->set_format(v1::DATASET_FORMAT_IDX);
      local->set_path("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
      pretrain->mutable_encoder()->mutable_torchscript()->set_model_id(model_id);
      v1::Job job;
      return t.jobs_->SubmitJob(Context().get(), request, &job);
    };
  };
  using L = v1::ListJobsRequest;
  return {
      t.Case("list filters", "owner with a slash", list_jobs([](L& r) { r.set_owner("a/b"); }),
             bad, "owner: must be a principal name"),
      t.Case("list filters", "owner 65 bytes",
             list_jobs([](L& r) { r.set_owner(std::string(65, 'a')); }), bad, "owner"),
      t.Case("paging", "ListJobs token 0", list_jobs([](L& r) { r.set_page_token("0"); }), bad,
             "page_token: not a token from ListJobs"),
      t.Case("paging", "ListModels token abc", list_models("abc"), bad, "page_token"),
      t.Case("job specs", "model_id empty", submit_model(""), bad, "model_id"),
      t.Case("job specs", "model_id 129 bytes", submit_model("model-" + std::string(123, 'a')),
             bad, "model_id"),
      t.Case("job specs", "model_id unknown", submit_model("model-0123456789ab"),
             Code::FAILED_PRECONDITION,
             "spec.pretrain.encoder.torchscript.model_id: model model-0123456789ab not found"),
  };
}

TEST_F(BadLifecycle, EveryBadRequestOfTheManyUsersApiIsRefusedAndLeavesNothing) {
  std::vector<BadInput> cases = UploadCases(*this);
  for (auto* more : {&IdCases, &ListAndSpecCases}) {
    auto extra = (*more)(*this);
    cases.insert(cases.end(), extra.begin(), extra.end());
  }
  RunCatalogue(cases);
}

}  // namespace
}  // namespace simclr::testing
