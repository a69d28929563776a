<?php
/**
 * The Redeem button: what is sent to the service, and the notice the customer reads after.
 */

final class RedeemTest extends Loyalty_Plugin_Test_Case {

	public function test_redeeming_sends_the_reward_and_request_id_and_shows_the_code_once(): void {
		$customer = $this->log_in();
		$this->service->answer( 'redeem', 200, array( 'code' => 'LOY-5OFF-AB12', 'reward' => '5-off', 'points' => 50, 'status' => 'issued', 'repeated' => false ) );
		$notice = Loyalty_Connector_Redeem_Action::redeem( $customer, '5-off', 'req-123' );

		$this->assertSame( 'POST', $this->service->requests[0]['method'] );
		$this->assertSame( 'https://loyalty.example.com/storefront/woocommerce/7/redeem', strtok( $this->service->requests[0]['url'], '?' ) );
		$this->assertSame( (string) $customer, $this->service->query( 0 )['customer'] );
		$this->assertSame( array( 'reward' => '5-off', 'request_id' => 'req-123' ), $this->service->requests[0]['body'] );
		$this->assertSame( 'Redeemed 5-off. Your code: LOY-5OFF-AB12 — enter it at checkout.', $notice['message'] );
		$this->assertSame( 'success', $notice['kind'] );
	}

	public function test_the_notice_is_shown_on_the_tab_once(): void {
		$customer = $this->log_in();
		set_transient( 'loyalty_connector_notice_' . $customer, array( 'kind' => 'success', 'message' => 'Redeemed 5-off. Your code: LOY-1' ), 300 );
		$this->service->down( 'balance' );
		$first  = $this->output_of( array( Loyalty_Connector_Account_Tab::class, 'render' ) );
		$second = $this->output_of( array( Loyalty_Connector_Account_Tab::class, 'render' ) );

		$this->assertStringContainsString( '<div class="woocommerce-message" role="alert">', $first );
		$this->assertStringContainsString( 'Your code: LOY-1', $first );
		$this->assertStringNotContainsString( 'Your code: LOY-1', $second );
	}

	public function test_a_refused_redeem_says_why_in_the_services_words(): void {
		$customer = $this->log_in();
		$this->service->answer( 'redeem', 409, array( 'error' => 'not enough points: 5-off costs 50, the balance is 6', 'code' => 'refused' ) );
		$notice = Loyalty_Connector_Redeem_Action::redeem( $customer, '5-off', 'req-9' );

		$this->assertSame( 'error', $notice['kind'] );
		$this->assertSame( 'This reward could not be redeemed: not enough points: 5-off costs 50, the balance is 6', $notice['message'] );
	}

	public function test_redeeming_while_the_service_is_down_says_to_try_later(): void {
		$customer = $this->log_in();
		$this->service->down( 'redeem' );
		$notice = Loyalty_Connector_Redeem_Action::redeem( $customer, '5-off', 'req-10' );

		$this->assertSame( 'error', $notice['kind'] );
		$this->assertStringStartsWith( 'We cannot reach our rewards service right now', $notice['message'] );
	}

	public function test_a_visitor_cannot_redeem_and_nothing_is_sent(): void {
		$notice = Loyalty_Connector_Redeem_Action::redeem( 0, '5-off', 'req-11' );

		$this->assertSame( 'error', $notice['kind'] );
		$this->assertSame( array(), $this->service->requests );
	}
}
