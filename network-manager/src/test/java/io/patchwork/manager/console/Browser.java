package io.patchwork.manager.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Chromium from the machine's packages, driven through its own chromedriver — nothing is
 * downloaded. Each actor of a test gets a tab of its own (session storage is per tab, so each signs
 * in separately); downloads land in one folder; every {@link #screenshot} is written under {@code
 * target/console-screenshots/}. Tests skip, saying why, where no browser is installed, unless
 * {@code PATCHWORK_REQUIRE_BROWSER} is set (as CI sets it): then they fail.
 */
final class Browser implements AutoCloseable {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

  private final ChromeDriver driver;
  private final Path downloads;
  private final Map<String, String> tabs = new HashMap<>();
  private final String origin;

  private Browser(ChromeDriver driver, Path downloads, String origin) {
    this.driver = driver;
    this.downloads = downloads;
    this.origin = origin;
  }

  /** A browser whose pages are at {@code origin}; its downloads go to {@code downloads}. */
  static Browser open(String origin, Path downloads) throws IOException {
    boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    if (!installed && System.getenv("PATCHWORK_REQUIRE_BROWSER") == null) {
      Assumptions.abort(
          "the console's browser tests need Debian's chromium and chromium-driver ("
              + CHROMIUM
              + ", "
              + CHROMEDRIVER
              + "): apt-get install chromium chromium-driver; .ci/run installs them");
    }
    assertThat(installed).as("chromium and chromedriver are installed").isTrue();
    Files.createDirectories(SCREENSHOTS);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox", // tests run as root here
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update");
    Map<String, Object> prefs = new HashMap<>();
    prefs.put("download.default_directory", downloads.toAbsolutePath().toString());
    prefs.put("download.prompt_for_download", false);
    prefs.put("download.directory_upgrade", true);
    options.setExperimentalOption("prefs", prefs);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
            .usingAnyFreePort()
            .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    Browser browser = new Browser(driver, downloads, origin);
    browser.tabs.put("first", driver.getWindowHandle());
    return browser;
  }

  /** Switches to the actor's tab, opening a new one the first time. */
  Browser as(String actor) {
    String handle = tabs.get(actor);
    if (handle == null) {
      if (tabs.containsKey("first")) {
        handle = tabs.remove("first");
      } else {
        driver.switchTo().newWindow(WindowType.TAB);
        handle = driver.getWindowHandle();
      }
      tabs.put(actor, handle);
    }
    driver.switchTo().window(handle);
    return this;
  }

  /** Opens a page of the console ({@code /}, {@code /member.html}, ...) or a full URL. */
  Browser open(String path) {
    driver.get(path.startsWith("http") ? path : origin + path);
    return this;
  }

  WebElement find(String css) {
    return await(css, Duration.ofSeconds(20));
  }

  WebElement await(String css, Duration timeout) {
    return new WebDriverWait(driver, timeout)
        .until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
  }

  List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  Browser click(String css) {
    new WebDriverWait(driver, Duration.ofSeconds(20))
        .until(ExpectedConditions.elementToBeClickable(By.cssSelector(css)))
        .click();
    return this;
  }

  Browser type(String css, String text) {
    WebElement input = find(css);
    input.clear();
    input.sendKeys(text);
    return this;
  }

  Browser select(String css, String value) {
    new org.openqa.selenium.support.ui.Select(find(css)).selectByValue(value);
    return this;
  }

  /** Waits until the element's text contains {@code text}; answers the whole text. */
  String awaitText(String css, String text, Duration timeout) {
    // Pages redraw what they show: an element found may be replaced before it is read.
    return new WebDriverWait(driver, timeout)
        .ignoring(StaleElementReferenceException.class)
        .until(
            page -> {
              String shown = page.findElement(By.cssSelector(css)).getText();
              return shown.contains(text) ? shown : null;
            });
  }

  /** The element's text once it shows, read again if the page redrew it meanwhile. */
  String text(String css) {
    find(css);
    return new WebDriverWait(driver, Duration.ofSeconds(20))
        .ignoring(StaleElementReferenceException.class)
        .until(page -> page.findElement(By.cssSelector(css)).getText());
  }

  Object script(String script, Object... arguments) {
    return ((JavascriptExecutor) driver).executeScript(script, arguments);
  }

  /** Runs an asynchronous script; it calls its last argument with the result. */
  Object asyncScript(String script, Object... arguments) {
    return ((JavascriptExecutor) driver).executeAsyncScript(script, arguments);
  }

  /** Types into whatever has the keyboard focus, as a user at the keyboard would. */
  Browser keys(CharSequence... keys) {
    driver.switchTo().activeElement().sendKeys(keys);
    return this;
  }

  /**
   * The page's controls that have no accessible name: no label, no aria-label, and for a button no
   * text; empty when every control is labelled.
   */
  @SuppressWarnings("unchecked")
  List<String> unlabelledControls() {
    return (List<String>)
        script(
            "return [...document.querySelectorAll('input, select, textarea, button')]"
                + ".filter(c => c.type !== 'hidden' && !(c.labels && c.labels.length)"
                + " && !c.getAttribute('aria-label')"
                + " && !(c.tagName === 'BUTTON' && c.textContent.trim()))"
                + ".map(c => c.outerHTML)");
  }

  /** The document as it stands, for a failure's report. */
  String source() {
    return driver.getPageSource();
  }

  void refresh() {
    driver.navigate().refresh();
  }

  /** Writes the page as it is now to {@code target/console-screenshots/<name>.png}. */
  Path screenshot(String name) throws IOException {
    Path file = SCREENSHOTS.resolve(name + ".png");
    Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    return file;
  }

  /** The downloaded file whose name ends with {@code suffix}, once the download finished. */
  Path download(String suffix, Duration timeout) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      try (Stream<Path> files = Files.list(downloads)) {
        Optional<Path> found =
            files.filter(f -> f.getFileName().toString().endsWith(suffix)).findFirst();
        if (found.isPresent() && Files.size(found.get()) > 0) {
          return found.get();
        }
      }
      Thread.sleep(100);
    }
    try (Stream<Path> files = Files.list(downloads)) {
      throw new AssertionError(
          "no download ending " + suffix + " within " + timeout + "; there are " + files.toList());
    }
  }

  Set<String> actors() {
    return tabs.keySet();
  }

  @Override
  public void close() {
    driver.quit();
  }
}
