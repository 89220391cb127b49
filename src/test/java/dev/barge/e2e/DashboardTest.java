package dev.barge.e2e;

import static dev.barge.e2e.TestBarge.MODEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.openai.client.OpenAIClient;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import dev.barge.config.ApiKey;
import dev.barge.config.AuthConfig;
import dev.barge.config.BackendConfig;
import dev.barge.config.BackendType;
import dev.barge.config.BargeConfig;
import dev.barge.config.LimitsConfig;
import dev.barge.upstream.simulator.SimulatorServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, which
 * {@code .ci/run} installs): it lists a running batch, its progress advances, and its cancel button cancels it;
 * with a project's key (no admin) the backends view explains itself instead of breaking.
 */
class DashboardTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  @RegisterExtension final BargeExtension e2e = new BargeExtension();
  private SimulatorServer upstream;
  private TestBarge barge;
  private WebDriver browser;

  @AfterEach
  void quitBrowser() { // before the extension closes Barge and the simulator
    if (browser != null) browser.quit();
  }

  private WebDriver browser() {
    assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "needs Debian's chromium and chromium-driver (.ci/run installs them)");
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
        .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }

  @Test
  void theDashboardShowsARunningBatchAdvancingAndCancelsIt() throws Exception {
    browser = browser();
    upstream = e2e.simulator(300);
    barge = e2e.start(BargeExtension.onSimulator(upstream, MODEL, new LimitsConfig(null, null, 1)));
    OpenAIClient client = barge.client();
    Batch batch = TestBarge.create(client, TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(40, MODEL)),
        BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");

    browser.get(barge.baseUrl.replace("/v1", "") + "/");
    // The page redraws every second: an element found a moment ago may be gone; the waits look again.
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    wait.ignoring(StaleElementReferenceException.class).ignoring(NoAlertPresentException.class);
    By row = By.cssSelector("tr.row[data-id='" + batch.id() + "']");
    By progress = By.cssSelector("tr.row[data-id='" + batch.id() + "'] td.progress");
    int first = wait.until(d -> (Integer) done(d.findElement(progress).getText()));
    wait.until(d -> done(d.findElement(progress).getText()) > first);

    wait.until(d -> {
      d.findElement(row).click();
      return true;
    });
    wait.until(d -> !d.findElements(By.id("cancel")).isEmpty());
    // A simulator backend is chargeback capacity: its results are bought at the batch tier, no provider job.
    wait.until(d -> d.findElement(By.id("tiers")).getText().contains("batch"));
    assertThat(browser.findElement(By.id("jobs")).getText()).contains("ran real-time");
    Path screenshot = Path.of("target", "dashboard-batch.png");
    Files.createDirectories(screenshot.getParent());
    Files.write(screenshot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    wait.until(d -> {
      d.findElement(By.id("cancel")).click();
      return true;
    });
    wait.until(d -> {
      d.switchTo().alert().accept(); // "Cancel batch …?"
      return true;
    });
    wait.until(d -> d.findElement(By.id("status")).getText().startsWith("cancel"));
    assertThat(client.batches().retrieve(batch.id()).status().asString()).isIn("cancelling", "cancelled");

    browser.get(barge.baseUrl.replace("/v1", "") + "/#/backends");
    wait.until(d -> d.findElement(By.id("backends")).getText().contains("sim-http"));
    String backends = wait.until(d -> d.findElement(By.id("backends")).getText());
    assertThat(backends).contains(MODEL).contains("closed");
  }

  @Test
  void withAProjectsKeyTheBatchesShowAndTheBackendsViewSaysItNeedsAnAdminKey() {
    browser = browser();
    BackendConfig sim = new BackendConfig("sim", BackendType.SIMULATOR, null, null, List.of(MODEL), null, null, null);
    barge = e2e.start(BargeConfig.embeddedDefault().withBackends(List.of(sim))
        .withAuth(new AuthConfig(List.of(new ApiKey("team-key", "team")))));
    OpenAIClient client = barge.client("team-key");
    Batch batch = TestBarge.create(client, TestBarge.upload(client, e2e.dir(), "in.jsonl", Lines.chat(2, MODEL)),
        BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS, "24h");

    browser.get(barge.baseUrl.replace("/v1", "") + "/");
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    wait.ignoring(StaleElementReferenceException.class);
    wait.until(d -> d.findElement(By.id("key-form")).isDisplayed());
    browser.findElement(By.id("key")).sendKeys("team-key");
    browser.findElement(By.cssSelector("#key-form button")).click();
    wait.until(d -> !d.findElements(By.cssSelector("tr.row[data-id='" + batch.id() + "']")).isEmpty());

    browser.findElement(By.id("nav-backends")).click();
    String denied = wait.until(d -> d.findElement(By.id("backends-denied"))).getText();
    assertThat(denied).contains("needs an admin key");
    assertThat(browser.findElement(By.id("error")).isDisplayed()).isFalse(); // a note, not a failure
    browser.findElement(By.id("nav-batches")).click();
    wait.until(d -> !d.findElements(By.cssSelector("tr.row[data-id='" + batch.id() + "']")).isEmpty());
  }

  /** The number of finished requests in a progress cell such as "7/40". */
  private static int done(String progressText) {
    String[] parts = progressText.trim().split("/");
    return Integer.parseInt(parts[0].replaceAll("\\D", ""));
  }
}
