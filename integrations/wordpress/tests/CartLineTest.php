<?php
/**
 * The cart / checkout line: printed only when the service answers an estimate; never computed
 * here.
 */

final class CartLineTest extends Loyalty_Plugin_Test_Case {

	protected function setUp(): void {
		parent::setUp();
		WC()->cart = new Loyalty_Test_Cart( '42.50' );
	}

	private function cart_totals(): string {
		return $this->output_of( static fn() => do_action( 'woocommerce_cart_totals_after_order_total' ) );
	}

	public function test_a_service_without_an_estimate_action_gets_no_line_and_is_not_asked_again_for_an_hour(): void {
		$this->log_in();
		$this->assertSame( '', $this->cart_totals() ); // The double answers 404 not-found, as the service does today.
		$this->assertSame( '', $this->output_of( static fn() => do_action( 'woocommerce_review_order_after_order_total' ) ) );
		$this->assertCount( 1, $this->service->requests );
	}

	public function test_the_line_shows_the_points_the_service_answers_for_this_cart(): void {
		$customer = $this->log_in();
		$this->service->answer( 'estimate', 200, array( 'points' => 42 ) );
		$html = $this->cart_totals();

		$this->assertStringContainsString( '<tr class="loyalty-connector-earn">', $html );
		$this->assertStringContainsString( 'Points you will earn', $html );
		$this->assertStringContainsString( '42 points', $html );
		$query = $this->service->query( 0 );
		$this->assertSame( array( '42.50', 'USD', (string) $customer ), array( $query['amount'], $query['currency'], $query['customer'] ) );
	}

	public function test_a_visitor_is_asked_for_as_customer_0(): void {
		$this->service->answer( 'estimate', 200, array( 'points' => 1 ) );
		$this->assertStringContainsString( '1 point', $this->cart_totals() );
		$this->assertSame( '0', $this->service->query( 0 )['customer'] );
	}

	public function test_no_line_when_the_service_is_down_or_answers_something_else(): void {
		$this->service->down( 'estimate' );
		$this->assertSame( '', $this->cart_totals() );
		$this->service->answer( 'estimate', 500, array( 'error' => 'storage unavailable', 'code' => 'unavailable' ) );
		$this->assertSame( '', $this->cart_totals() );
		$this->service->answer( 'estimate', 200, array( 'points' => '<b>12</b>' ) );
		$this->assertSame( '', $this->cart_totals() );
		$this->assertCount( 3, $this->service->requests ); // Outages are not remembered as "no such action".
	}
}
