package dev.cutover.samples;

import dev.cutover.CutoverResolver;
import dev.cutover.okhttp.CutoverOkHttp;
import okhttp3.OkHttpClient;
import okhttp3.ResponseBody;
import retrofit2.Call;
import retrofit2.Retrofit;
import retrofit2.http.GET;

/** Retrofit on a wrapped client: Retrofit only needs the {@code OkHttpClient} it is given. */
public final class RetrofitOnWrappedClient {
  private RetrofitOnWrappedClient() {}

  /** A tiny API: one GET. */
  public interface Api {
    /**
     * Fetches the service's root.
     *
     * @return the call
     */
    @GET("/")
    Call<ResponseBody> root();
  }

  /**
   * Builds the API on a wrapped client.
   *
   * @param baseUrl the service, by host name (for example {@code https://api.example.com/})
   * @param existingClient the application's client; it is not changed
   * @param resolver the resolver, shared by the process's clients
   * @return the API
   */
  public static Api create(String baseUrl, OkHttpClient existingClient, CutoverResolver resolver) {
    return new Retrofit.Builder()
        .baseUrl(baseUrl)
        .client(CutoverOkHttp.wrap(existingClient, resolver))
        .build()
        .create(Api.class);
  }
}
