<?php
/**
 * My Account → Points & rewards, rendered from the service's answers (canned at the HTTP
 * layer): what the customer reads, and what they read when the service is down or refuses.
 */

final class AccountTabTest extends Loyalty_Plugin_Test_Case {

	private const BALANCE = array(
		'member'    => true,
		'balance'   => 356,
		'pending'   => 40,
		'tier'      => 'Member',
		'next_tier' => array(
			'name'      => 'Silver',
			'basis'     => 'spend',
			'threshold' => '500.00',
			'reached'   => '156.00',
			'remaining' => '344.00',
			'percent'   => 31,
		),
		'rewards'   => array(
			array(
				'id'            => '5-off',
				'type'          => 'fixed_amount',
				'cost'          => 50,
				'perk'          => false,
				'value'         => '5.00',
				'affordable'    => true,
				'points_needed' => 0,
			),
		),
		'history'   => array(
			array(
				'kind'       => 'earn',
				'points'     => 100,
				'created_at' => '2024-03-01T10:00:00+00:00',
				'reason'     => 'signup bonus',
			),
			array(
				'kind'       => 'earn',
				'points'     => 256,
				'created_at' => '2024-03-02T10:00:00+00:00',
				'reason'     => null,
			),
		),
	);

	private const LINKS = array(
		'referral' => array(
			'code' => 'ALICE42',
			'url'  => 'https://loyalty.example.com/r/ALICE42',
		),
		'share'    => null,
	);

	private function render_tab(): string {
		return $this->output_of( array( Loyalty_Connector_Account_Tab::class, 'render' ) );
	}

	public function test_the_tab_shows_balance_pending_tier_progress_rewards_history_and_referral_link(): void {
		$this->log_in();
		$this->service->answer( 'balance', 200, self::BALANCE )->answer( 'links', 200, self::LINKS );
		$html = $this->render_tab();

		$this->assertStringContainsString( 'Your balance: <strong>356</strong> points', $html );
		$this->assertStringContainsString( '40 points pending', $html );
		$this->assertStringContainsString( 'Your tier: Member', $html );
		$this->assertStringContainsString( 'Spend 344.00 more to reach Silver.', $html );
		$this->assertStringContainsString( '<progress max="100" value="31">', $html );
		$this->assertStringContainsString( '<span class="loyalty-connector-reward-name">5-off</span>', $html );
		$this->assertStringContainsString( '50 points', $html );
		$this->assertStringContainsString( 'name="reward" value="5-off"', $html );
		$this->assertMatchesRegularExpression( '/name="request_id" value="[0-9a-f-]{36}"/', $html );
		$this->assertStringContainsString( 'name="_wpnonce"', $html );
		$this->assertStringContainsString( 'value="https://loyalty.example.com/r/ALICE42"', $html );
		$this->assertStringContainsString( 'signup bonus', $html );
		$this->assertMatchesRegularExpression( '/earn<\/td>\s*<td>\+256<\/td>.*signup bonus<\/td>\s*<td>\+100/s', $html ); // Newest first.
	}

	public function test_the_service_is_asked_for_the_logged_in_customer_signed_with_the_secret(): void {
		$customer = $this->log_in();
		$this->service->answer( 'balance', 200, self::BALANCE )->answer( 'links', 200, self::LINKS );
		$this->render_tab();

		$this->assertSame( 'https://loyalty.example.com/storefront/woocommerce/7/balance', strtok( $this->service->requests[0]['url'], '?' ) );
		$query = $this->service->query( 0 );
		$this->assertSame( (string) $customer, $query['customer'] );
		$this->assertEqualsWithDelta( time(), (int) $query['ts'], 5 );
		$this->assertSame( hash_hmac( 'sha256', $customer . ':' . $query['ts'], self::SECRET ), $query['sig'] );
		$this->assertSame( 5, $this->service->requests[0]['timeout'] );
		$this->assertSame( array( 'balance', 'links' ), array_map( static fn( $r ) => basename( strtok( $r['url'], '?' ) ), $this->service->requests ) );
	}

	public function test_a_customer_who_is_not_a_member_sees_so_and_no_referral_link_is_asked_for(): void {
		$this->log_in();
		$this->service->answer( 'balance', 200, array( 'member' => false, 'balance' => 0, 'pending' => 0, 'tier' => null, 'next_tier' => null, 'rewards' => array(), 'history' => array() ) );
		$html = $this->render_tab();

		$this->assertStringContainsString( 'You are not a member of our rewards program yet', $html );
		$this->assertStringContainsString( 'No rewards to redeem yet', $html );
		$this->assertCount( 1, $this->service->requests );
	}

	public function test_when_the_service_is_down_the_customer_reads_a_polite_message(): void {
		$this->log_in();
		$this->service->down( 'balance' );
		$html = $this->render_tab();

		$this->assertStringContainsString( 'We cannot reach our rewards service right now, so your points cannot be shown. Please try again in a few minutes.', $html );
		$this->assertStringNotContainsString( 'cURL error', $html ); // Only store managers see details.
		$this->assertStringNotContainsString( 'Warning', $html );
	}

	public function test_when_the_service_refuses_the_signature_a_manager_also_reads_what_to_fix(): void {
		$this->log_in( 'owner', 'administrator' );
		$this->service->answer( 'balance', 401, array( 'error' => "sig: does not match the shop's storefront secret", 'code' => 'bad-signature' ) );
		$html = $this->render_tab();

		$this->assertStringContainsString( 'did not accept this store&#039;s signature', $html );
		$this->assertStringContainsString( 'For the store owner: sig: does not match the shop&#039;s storefront secret — check the shop id and storefront secret in Settings → Loyalty connector', $html );
	}

	public function test_a_customer_does_not_see_the_details_of_a_refusal(): void {
		$this->log_in();
		$this->service->answer( 'balance', 401, array( 'error' => 'sig: does not match', 'code' => 'bad-signature' ) );
		$html = $this->render_tab();

		$this->assertStringContainsString( 'did not accept this store&#039;s signature', $html );
		$this->assertStringNotContainsString( 'For the store owner', $html );
	}

	public function test_an_answer_that_is_not_json_is_handled_like_an_outage(): void {
		$this->log_in();
		$this->service->raw( 'balance', 502, '<html><body>502 Bad Gateway</body></html>' );
		$html = $this->render_tab();

		$this->assertStringContainsString( 'We cannot reach our rewards service right now', $html );
	}

	public function test_without_settings_nothing_is_asked_and_the_tab_says_points_are_not_available(): void {
		update_option( Loyalty_Connector_Settings::OPTION, Loyalty_Connector_Settings::DEFAULTS );
		$this->log_in();
		$html = $this->render_tab();

		$this->assertStringContainsString( 'Points and rewards are not available on this store yet.', $html );
		$this->assertSame( array(), $this->service->requests );
	}

	public function test_hostile_strings_from_the_service_are_escaped(): void {
		$this->log_in();
		$hostile                    = self::BALANCE;
		$hostile['tier']            = '<img src=x onerror=alert(1)>';
		$hostile['rewards'][0]['id'] = '<script>alert("reward")</script>';
		$hostile['history'][0]['reason'] = '<b onclick="steal()">bonus</b>';
		$this->service->answer( 'balance', 200, $hostile )->answer( 'links', 200, array( 'referral' => array( 'url' => '"><script>alert(2)</script>' ) ) );
		$html = $this->render_tab();

		$this->assertStringNotContainsString( '<script>', $html );
		$this->assertStringNotContainsString( '<img src=x', $html );
		$this->assertStringNotContainsString( '<b onclick', $html );
		$this->assertStringContainsString( '&lt;script&gt;alert(&quot;reward&quot;)&lt;/script&gt;', $html );
		$this->assertStringContainsString( 'Your tier: &lt;img src=x onerror=alert(1)&gt;', $html );
	}

	public function test_the_tab_is_added_to_the_account_menu_before_log_out(): void {
		$items = apply_filters(
			'woocommerce_account_menu_items',
			array(
				'dashboard'       => 'Dashboard',
				'orders'          => 'Orders',
				'customer-logout' => 'Log out',
			)
		);
		$this->assertSame( array( 'dashboard', 'orders', 'points-and-rewards', 'customer-logout' ), array_keys( $items ) );
		$this->assertSame( 'Points & rewards', $items['points-and-rewards'] );
	}

	public function test_woocommerce_renders_the_tab_on_its_endpoint(): void {
		$this->log_in();
		$this->service->answer( 'balance', 200, self::BALANCE )->answer( 'links', 200, self::LINKS );
		$html = $this->output_of( static fn() => do_action( 'woocommerce_account_points-and-rewards_endpoint', '' ) );
		$this->assertStringContainsString( 'Your balance: <strong>356</strong> points', $html );
	}
}
