package dev.barge.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.barge.store.ShareStore.Share;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How nodes split a backend's limits by what each wants. */
class DemandSharesTest {
  @Test
  void aLoneNodeHoldsEverything() {
    assertThat(DemandShares.target(0, List.of())).isEqualTo(1.0);
    assertThat(DemandShares.target(1, List.of())).isEqualTo(1.0);
  }

  @Test
  void aNodeWithNoWorkLeavesAllButTheFloorToOneThatWantsAll() {
    assertThat(DemandShares.target(1, List.of(0.0))).isCloseTo(0.99, within(1e-9));
    assertThat(DemandShares.target(0, List.of(1.0))).isCloseTo(0.01, within(1e-9));
  }

  @Test
  void nodesThatWantMoreThanAnEqualPartShareWhatTheOthersLeave() {
    // 0.2 wants less than a third: it gets it; the two that want all split the remaining 0.8.
    assertThat(DemandShares.target(0.2, List.of(1.0, 1.0))).isCloseTo(0.2, within(1e-9));
    assertThat(DemandShares.target(1, List.of(0.2, 1.0))).isCloseTo(0.4, within(1e-9));
    assertThat(DemandShares.target(1, List.of(1.0))).isCloseTo(0.5, within(1e-9));
  }

  @Test
  void whatNobodyWantsIsSpreadEvenly() {
    assertThat(DemandShares.target(0.3, List.of(0.1))).isCloseTo(0.6, within(1e-9));
    assertThat(DemandShares.target(0.1, List.of(0.3))).isCloseTo(0.4, within(1e-9));
  }

  @Test
  void aNodeTakesNoMoreThanTheOthersLeaveFreeWhileTheyGiveItBack() {
    assertThat(DemandShares.grant(0.99, List.of(0.5))).isCloseTo(0.5, within(1e-9));
    assertThat(DemandShares.grant(0.3, List.of(0.5))).isCloseTo(0.3, within(1e-9));
    assertThat(DemandShares.grant(0.5, List.of(0.7, 0.6))).isZero();
  }

  @Test
  void twoNodesRenewingInTurnMoveTheLimitToTheOneWithWorkWithoutEverHoldingMoreThanAll() {
    Share a = new Share(0.5, 0);
    Share b = new Share(0.5, 0);
    for (int round = 0; round < 3; round++) {
      a = ClusterShares.decide(Map.of("x", 1.0), Map.of("x", List.of(b))).get("x");
      assertThat(a.held() + b.held()).isLessThanOrEqualTo(1.0);
      b = ClusterShares.decide(Map.of("x", 0.0), Map.of("x", List.of(a))).get("x");
      assertThat(a.held() + b.held()).isLessThanOrEqualTo(1.0);
    }
    assertThat(a.held()).isCloseTo(0.99, within(1e-9));
    assertThat(b.held()).isCloseTo(0.01, within(1e-9));
  }
}
