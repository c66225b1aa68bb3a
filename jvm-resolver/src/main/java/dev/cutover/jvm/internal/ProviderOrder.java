package dev.cutover.jvm.internal;

import java.lang.System.Logger.Level;
import java.net.spi.InetAddressResolverProvider;
import java.util.Iterator;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * The resolver providers the JDK finds, in the order it finds them: {@code
 * ServiceLoader.load(InetAddressResolverProvider.class)}, the very call {@code InetAddress} makes,
 * so through the calling thread's context class loader. Stateless.
 */
public final class ProviderOrder {
  private static final System.Logger LOG = System.getLogger("dev.cutover.jvm");

  private ProviderOrder() {}

  /**
   * Returns the class of the provider the JDK uses: the first one found. Loads provider classes,
   * instantiates none.
   *
   * @return the class, or null if none is found (or the first entry is broken)
   */
  public static Class<? extends InetAddressResolverProvider> first() {
    try {
      return ServiceLoader.load(InetAddressResolverProvider.class).stream()
          .findFirst()
          .map(ServiceLoader.Provider::type)
          .orElse(null);
    } catch (ServiceConfigurationError e) {
      return null;
    }
  }

  /**
   * Returns the provider the JDK would use if Cutover's were not on the class path: the first one
   * found that is not Cutover's. Copies of Cutover's from other jars or class loaders are skipped
   * too, or two copies that both step aside would hand the choice to each other for ever.
   *
   * @return a new instance of that provider, or null if there is none (or it cannot be loaded,
   *     which is logged)
   */
  static InetAddressResolverProvider next() {
    Iterator<ServiceLoader.Provider<InetAddressResolverProvider>> providers =
        ServiceLoader.load(InetAddressResolverProvider.class).stream().iterator();
    try {
      while (providers.hasNext()) {
        ServiceLoader.Provider<InetAddressResolverProvider> provider = providers.next();
        if (!provider.type().getName().equals(CutoverResolverProvider.class.getName())) {
          return provider.get();
        }
      }
    } catch (ServiceConfigurationError e) {
      LOG.log(Level.WARNING, "a resolver provider after Cutover's on the class path cannot be"
          + " loaded (" + e.getMessage() + "); the JDK's built-in resolver answers instead", e);
    }
    return null;
  }
}
