package dev.ordinal.admission;

import dev.ordinal.config.OrdinalConfig;
import dev.ordinal.identity.Decision;
import io.smallrye.common.annotation.NonBlocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The webhook endpoints: {@code POST /mutate-pods} and {@code POST /validate-pods}. Decode ({@link ReviewCodec}),
 * call the adapter ({@link PodMutator}, {@link PodValidator}), return what {@link ReviewFinisher} answers: a body
 * that is not an AdmissionReview is HTTP 400, everything else HTTP 200 echoing the uid. Nothing escapes as a 500.
 */
@Path("/")
public class AdmissionResource {

    @Inject
    ReviewCodec codec;

    @Inject
    PodMutator mutator;

    @Inject
    PodValidator validator;

    @Inject
    ReviewFinisher finisher;

    @Inject
    OrdinalConfig config;

    @POST
    @Path("mutate-pods")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @NonBlocking
    public CompletionStage<Response> mutate(byte[] body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType) {
        long started = System.nanoTime();
        return finisher.finishAsync("mutate", codec.decode(body, contentType), mutator::review, started)
                .thenApply(AdmissionResource::response);
    }

    @POST
    @Path("validate-pods")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @NonBlocking
    public Response validate(byte[] body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType) {
        return handle("validate", body, contentType, validator::review);
    }

    /** Same decoding and encoding, no rule: the baseline for {@code make bench}. Off unless configured. */
    @POST
    @Path("noop-review")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @NonBlocking
    public Response noop(byte[] body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType) {
        if (!config.admission().noopEndpoint()) {
            throw new NotFoundException();
        }
        return handle("noop", body, contentType, request -> Decision.Allow.unchanged());
    }

    /** Decodes, reviews with {@code rule}, returns what {@link ReviewFinisher} made of it. */
    private Response handle(String webhook, byte[] body, String contentType, Function<ReviewRequest, Decision> rule) {
        long started = System.nanoTime();
        return response(finisher.finish(webhook, codec.decode(body, contentType), rule, started));
    }

    private static Response response(ReviewFinisher.Answer answer) {
        return Response.status(answer.status())
                .type(MediaType.APPLICATION_JSON)
                .entity(answer.body())
                .build();
    }
}
